// Netcheck checks package net of a ring-3 program over the network
// service: the runtime's transport (the CLK_NET channel, with its
// channel_write and channel_read on the program's own threads), the
// protocol and the service, end to end.
//
// Usage:
//
//	netcheck [CONNS]
//
// It serves itself: it makes a channel, serves one end with
// services/netsock over a stack in memory (memstack, whose host is
// 10.0.2.15) and names the other in CLK_NET, as the kernel would before
// it started the program. Then, through package net alone, it serves HTTP
// on :8000 and fetches http://10.0.2.100:8000/x; opens CONNS connections
// (default 300, more than the 256 threads a process may have) and has a
// goroutine wait in a read of each at once, then answers them all; ends a
// read with a deadline, another by moving its deadline while it waits and
// a third with Close; and sends a datagram to itself and back. It prints
//
//	netcheck: ok
//
// or what failed, and exits with status 1 then, 2 on bad usage.
package main
