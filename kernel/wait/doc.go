// Package wait lets a goroutine sleep until one of several kernel objects
// reaches a state it wants, or a deadline passes.
//
// Every waitable object embeds a Source holding its current abi.Signals.
// The object changes them with Source.Update when its state changes (a
// message queued, the peer closed, a timer fired); Many registers one
// waiter with each Source it watches, checks the current states, and
// sleeps until an Update wakes it or the deadline passes. Because a waiter
// registers before it checks, no Update between the check and the sleep
// is lost.
//
// # Locking
//
// Source.mu is a leaf: nothing else is locked while it is held, and Update
// wakes waiters with a non-blocking send. An object may call Update while
// holding its own lock (Object.mu < Source.mu).
package wait
