// Package module is a module's side of the lifecycle the kernel's module
// manager runs (docs/modules.md, "Lifecycle"). A module author writes a
// Service, three methods: Handle serves one request of a client, Export
// turns the module's state into bytes, Import takes the bytes an earlier
// instance exported, maybe of an older version whose shape it converts.
// Main runs the rest:
//
//	func main() { module.Main(kv.New()) }
//
// The instance gets its control channel as its first startup handle
// (then, in order, clients of the services its manifest uses and the
// grants it was activated with: sdk.StartupHandles). On the control
// channel it speaks the protocol of abi/module.go: it imports the state
// ModStart brings and reports ready; it serves every client endpoint a
// ModAttach brings; on ModQuiesce it stops reading them and answers once
// no request is in progress; on ModExport it sends what Export returns;
// on ModResume it serves again; on ModStop it exits; it answers each
// ModPing (a heartbeat) with a ModPong between two requests, so a request
// that never returns shows as missed heartbeats.
//
// Two optional methods serve modules that hold more than their own data.
// A Starter's Start runs on a start from scratch, before ModReady: a
// module that owns a device or a volume takes it there, not in main,
// because a replacement's process starts while the instance it replaces
// still holds them. A Departures's Gone tells it a client has left (its
// channel closed), by the client id every Request carries; the id is the
// manager's and stays the same across instances, so that state kept per
// client can be exported and imported.
//
// Requests are served one at a time, in one goroutine, in the order each
// client sent them; the loop takes at most one message from each client
// per turn, so that no client starves the others. Because nothing is in
// progress between two requests, quiescing takes no more than finishing
// the request at hand, and a request the instance has not read stays in
// its endpoint for the next instance.
package module
