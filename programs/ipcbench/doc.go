// Ipcbench measures the cost of a null syscall and of a channel round trip
// between two processes, for make bench-ipc, which compares them with
// Linux's getppid and a pipe ping-pong.
//
// Usage:
//
//	ipcbench
//	ipcbench child
//
// It prints, each figure the best of three runs of about a second,
//
//	BENCH null-syscall <iterations> <ns/op>
//	BENCH channel-roundtrip <iterations> <ns/op>
//	BENCH done
//
// with ns/op to one decimal. The null syscall is process_self. A round
// trip is a one-byte message from the parent to "ipcbench child", spawned
// with one endpoint of a channel, and the child's one-byte answer: the
// parent writes then reads, the child reads then writes.
//
// On an error it prints a line starting "ipcbench:" and exits with status
// 1 without printing BENCH done.
package main
