// Package ipc is clk's channel: a pair of endpoints carrying messages of
// bytes plus capabilities between processes (or kernel services).
//
// Every channel has a Schema, declared when it is created: the message
// types it carries, each with its most data bytes and the exact handles it
// holds (object type and the rights each must carry). A write is checked
// against it before anything is queued or any handle moves, so a refused
// message (ErrSchema, ErrTooLarge) never reaches the reader.
//
// Each endpoint has a bounded queue of incoming messages. A writer to a
// full queue waits until a deadline (back-pressure; nothing is dropped) or,
// non-blocking, fails with ErrQueueFull. A write first reserves its slot,
// then takes its handles out of the sender's table, all or none, each
// needing abi.RightTransfer, so a failed write leaves the sender's table
// as it was and a successful one has moved the handles: the sender no
// longer has them. An endpoint of the channel itself cannot be sent over
// it (ErrSelfTransfer), nor can an endpoint whose own queue holds
// endpoints (ErrCarrier).
//
// # Endpoints in flight
//
// An endpoint sent over a channel lives in the receiver's queue until it
// is read. If endpoint A sat in B's queue and B in A's, and every handle
// to the two were closed, neither could ever be read or released: a cycle
// of endpoints in flight leaks them and everything they hold. Linux has
// the same hazard with descriptors passed over Unix sockets and runs a
// garbage collector over descriptors in flight; clk refuses the transfer
// that could close a cycle instead. Writes whose messages carry handles
// are serialised (transferMu), and an endpoint whose queue holds
// endpoints does not travel: the write that would close a cycle always
// sends an endpoint whose queue holds the cycle's previous member. A
// reply on its way to a waiting call counts as held in the caller's
// queue until the caller has taken its handles, since it goes back there
// when the caller cannot take them. So every endpoint is released with
// its last handle, and so are the messages in its queue. What the rule
// costs: a server that received endpoints must read them before it hands
// its own endpoint on.
//
// Call sends a request with a transaction id chosen by the caller's
// endpoint and waits for the reply with the same id, which goes straight
// to the waiting call and never into the queue. When the last handle to an
// endpoint goes away (cap.Releaser), its queued messages are dropped and
// their handles closed, the peer sees abi.PeerClosed and ErrPeerClosed,
// and every call waiting on the channel ends with ErrPeerClosed.
// A goroutine still blocked on the closed endpoint itself (a syscall that
// looked it up before the close) wakes with cap.ErrClosed.
//
// # Journals
//
// StartJournal lets a reader take an endpoint's messages provisionally:
// the endpoint keeps a copy of each message read and the transaction id
// of each reply written through it. Rewind puts the messages back at the
// head of the queue, in the order read, and drops the replies later
// written to calls already answered, so that each caller still gets one
// reply; EndJournal makes the reads stand. A journal holds at most
// JournalMaxMessages messages and JournalMaxBytes bytes; when it is full
// the rest of the queue is held back from readers until it ends.
//
// # Locking
//
// Lock order: transferMu < channel.mu < cap.Table.mu < cap's treeMu, and
// channel.mu < wait.Source.mu. A write that carries handles holds
// transferMu while it takes them from the sender's table (Table.Take,
// whose check reads carried atomically and takes no channel lock) and
// while it queues the message (channel.mu); Read's accept runs under
// channel.mu and may install handles in a table (cap.Table.mu). One
// mutex guards both endpoints' queues so that a writer's view of the
// peer's room and the signals of both ends change together. Capabilities
// are closed only after channel.mu is released, because closing one may
// release another channel's endpoint. CallFrom's accept runs with no lock
// of this package held.
package ipc
