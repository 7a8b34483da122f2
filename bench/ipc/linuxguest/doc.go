// Command linuxguest is the Linux half of make bench-ipc. Built as a static
// GOOS=linux program (CGO_ENABLED=0) it is /init of an initramfs that
// Debian's cloud kernel boots under the same QEMU command line as clk, and it
// measures the two costs that clk's ipcbench program measures on clk:
//
//	null-syscall       getppid(2) through syscall.RawSyscall: the cheapest
//	                   round trip into the kernel and back
//	channel-roundtrip  one byte to another process over a pipe and one byte
//	                   back over a second pipe
//
// For the round trip the program starts itself again as a child with the
// -child flag, handing it the read end of the first pipe as file descriptor 3
// and the write end of the second as 4. Parent and child each lock their
// goroutine to its thread and use raw read(2) and write(2) on the
// descriptors, so that the Go scheduler and network poller play no part.
//
// Each benchmark first finds the iteration count for which a run lasts about
// -benchtime (default 1s), starting from one iteration and growing it, then
// runs that count three times and keeps the fastest. It prints one line per
// benchmark on standard output, and a last line when it is finished:
//
//	BENCH NAME ITERATIONS NS_PER_OP
//	BENCH done
//
// with NS_PER_OP in nanoseconds with one decimal. A benchmark that fails is
// reported on standard error and has no line, the done line still comes
// last, and the program ends with status 1. clk's ipcbench (programs/ipcbench)
// prints the same lines with the same names, which bench/ipc reads from both
// consoles.
//
// Run as process 1 it mounts /proc first and powers the machine off when done
// (reboot(2) with LINUX_REBOOT_CMD_POWER_OFF), so that QEMU exits with status
// 0. Run as an ordinary process, on a development machine, it does neither.
//
// Usage:
//
//	linuxguest [-benchtime 1s]
//
// As /init it takes its flags from the kernel command line, after "--".
package main
