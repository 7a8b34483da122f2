// Command pipe measures the actor shell's pipeline throughput on clk:
// it boots the kernel under QEMU, types "time yes | head -n N | wc -l" at
// the shell several times and prints the time the shell reports and the
// rate, in lines and in mailbox messages per second. It never fails on
// time; it fails only when the shell does not answer as expected.
//
// Usage:
//
//	go run ./bench/pipe [-elf build/clk.elf] [-lines 1000000] [-runs 3]
//
// make bench-actor runs it after the actor package's benchmarks.
package main
