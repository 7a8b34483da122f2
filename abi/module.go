package abi

// The module control protocol: what the kernel's module manager and a
// module's instance say to each other over the instance's control channel,
// its first startup handle. Every message is one-way (no channel_call), so
// that each side reads the other's messages in order with a deadline of
// its own; the conversation is strictly sequential, the instance speaking
// first, once, to say that it runs, then the manager, but for heartbeats:
// between two steps of the lifecycle the manager sends ModPing, and the
// manager skips a late ModPong wherever it reads.
//
//	ModHello     instance: its process runs and waits for ModStart; the
//	             first message it sends
//	ModStart     manager: uint8 1 when state follows (else 0); with
//	             state, uint64 its length and the version that exported
//	             it ("1.0.0"), then ModState chunks and ModStateEnd
//	ModState     either way: the next bytes of a state, at most ModMaxChunk
//	ModStateEnd  either way: uint64 the state's total length
//	ModReady     instance: started, the state imported; it now serves
//	             the endpoints ModAttach brings
//	ModRefused   instance: it cannot start, quiesce or export; the data
//	             is the reason, in text
//	ModAttach    manager: one channel endpoint, the service's end of a
//	             client's channel; the data is uint64 the client's id,
//	             which names the same client to every instance that
//	             serves it, then the service's name
//	ModQuiesce   manager: stop reading the client endpoints, finish what
//	             is in progress, answer ModQuiesced
//	ModQuiesced  instance: quiescent; no request is in progress
//	ModExport    manager (after ModQuiesce): send the state, as ModState
//	             chunks and ModStateEnd, or ModRefused
//	ModResume    manager: serve again (the replacement was rolled back)
//	ModStop      manager: exit; the endpoints are no longer the instance's
//	ModPing      manager: a heartbeat, uint64 its number; it may come at
//	             any time after ModReady
//	ModPong      instance: the answer to the ModPing of that number, sent
//	             as soon as the instance reads its control channel
//
// A module's client channels carry ModServiceTypes message types, 1 to
// ModServiceTypes, each of at most MaxData bytes and no handles; the
// module gives them meaning. A channel_call gets its reply with the
// request's type.
const (
	ModStart    = 1
	ModState    = 2
	ModStateEnd = 3
	ModReady    = 4
	ModRefused  = 5
	ModAttach   = 6
	ModQuiesce  = 7
	ModQuiesced = 8
	ModExport   = 9
	ModResume   = 10
	ModStop     = 11
	ModPing     = 12
	ModPong     = 13
	ModHello    = 14

	// ModMaxChunk is the most state bytes one ModState carries.
	ModMaxChunk = MaxData - 4096
	// ModMaxState is the largest state a module may export.
	ModMaxState = 64 << 20
	// ModMaxText is the most bytes of a version, a service's name or a
	// reason.
	ModMaxText = 1024
	// ModServiceTypes is the number of message types of a module's
	// client channels.
	ModServiceTypes = 64
)

// ServiceEnvPrefix begins the environment variables that name, in
// hexadecimal as HandlesEnv does, a program's client channel to a
// module's service: CLK_SVC_kv is its channel to the service kv. The
// shell's run -s SERVICE asks for one.
const ServiceEnvPrefix = "CLK_SVC_"
