// Package gdbrelay relays GDB's remote serial protocol between a debugger
// and QEMU's gdbstub, and mends what goes wrong between Delve and QEMU when
// they talk directly.
//
// Delve reaches a remote stub only through its lldb backend, which starts
// the program DELVE_DEBUGSERVER_PATH names as if it were LLDB's
// debugserver. scripts/gdbrelay is that program: it dials QEMU's gdbstub
// and Delve's listening port and runs a Relay between them. The relay
// reads the protocol's framing on both sides ('+' and '-' acknowledgements,
// the 0x03 interrupt byte, $packet#checksum) and forwards everything
// unchanged, except:
//
//   - a '?' (stop reason) query that arrives while the target runs is
//     dropped: Delve sends one after 10 s without a stop reply, and QEMU
//     answers it at once with the last stop, which Delve then takes for
//     the reply to its continue, one packet out of step from then on;
//   - a 'k' (kill) becomes a 'D' (detach): QEMU ends itself on 'k', while
//     after 'D' it removes the breakpoints and lets the guest run on; the
//     relay answers Delve as a killed process would (X09, exited on signal
//     9) and closes Delve's connection.
//
// Both connections have TCP_NODELAY set: the protocol is one small packet
// after another, and with Nagle's algorithm each waits for the previous
// one's acknowledgement (a Delve session took 76 s instead of 3 s).
//
// The relay keeps no other state: which side is running is learnt from the
// packets (a continue or step sets it, a stop reply clears it), and whether
// acknowledgements are on from QStartNoAckMode and its reply.
package gdbrelay
