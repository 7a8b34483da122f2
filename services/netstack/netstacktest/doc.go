// Package netstacktest joins network stacks without a device: Pipe makes
// two Ethernet links that carry frames to each other in memory, as a cable
// between two NICs would, so that tests can run two clk/services/netstack
// Stacks against each other on the host. Nothing leaves the process.
//
// Frames written before the receiving end is attached wait for it, up to
// the queue's length; beyond that, as when a receiver falls behind, they
// are dropped and counted, as a NIC with a full receive ring drops them. A
// link's filter sees every frame written to it and may drop it, which is
// how tests watch the wire, lose packets, or answer in place of a peer.
package netstacktest
