// Package vslinux is the harness for benchmarks that run the same program
// on clk and on a Linux guest under one QEMU command line, and compare them:
// bench/ipc (a null syscall and a round trip between processes),
// bench/runtime (the Go runtime's own costs) and bench/io (disk and network
// throughput, which prints rates with a table of its own).
//
// A Plan names the two boots and the machine they share (CPUs, memory and
// accelerator: everything but what is booted comes from clk/internal/qemu's
// Command), boots each system a number of times, one after the other and
// alternating or side by side, and stops booting a system that failed once.
// Best keeps each benchmark's lowest time over the boots, since the host's
// other work only ever slows a guest down. WriteTable prints the two
// systems' best times and their ratio, always clk's time over Linux's and
// labelled so ("clk time / Linux time"): below 1, clk is faster, and each
// ratio says which system was faster in words.
package vslinux
