// Command runtime compares clk with Linux as a platform for Go programs.
// It boots the program in ./guest under the same QEMU command line
// (clk/internal/qemu's, -M pc, the memory and accelerator of CLK_QEMU_MEM and
// CLK_QEMU_ACCEL, -smp from its flag), through the harness the IPC
// benchmark shares (clk/bench/vslinux), twice: built for GOOS=clk and booted
// through its PVH note, and built as a static GOOS=linux program that is /init of an
// initramfs booted by Debian's cloud kernel (scripts/linux-guest.sh). Every
// QEMU has a deadline and is killed when this program ends.
//
// For each benchmark it prints the best time per operation of each system
// over the boots, and the ratio of clk's time to Linux's, headed
// "clk time / Linux time", so that a ratio below 1 means clk is faster;
// each ratio is followed by "(clk faster)" or "(clk slower)" as well. It does so
// twice:
//
//   - by the guests' clocks: testing.Benchmark's ns/op, as a Go program sees
//     its own speed;
//   - by QEMU's CPU time between the benchmark's "begin" and "bench" lines,
//     divided by the operations done in between. With one vCPU under TCG
//     this leaves out the time the host gave to other programs, which on a
//     shared machine can change wall-clock figures several times over; it
//     does not leave out the guest's own work that follows wall time
//     (timer interrupts, background wake-ups).
//
// The guests boot one after the other, alternating, or with -together side
// by side: on a shared machine whose load changes from minute to minute the
// second way makes both bear the same load, at the price of competing with
// each other for the host's cores (each needs one per vCPU).
//
// Each boot also prints the time from QEMU's start to the program's first
// line, and the program's run time by the guest's clock, by the host's clock
// and in QEMU CPU time. The first two should agree; when they differ by more
// than 2% (a clock calibrated wrongly at boot is off by a constant factor)
// the boot's ns/op are scaled to the host's clock, and the factor is shown.
//
// It never fails on time, only when a guest does not boot, print its results
// or end as it should; a system that failed once is not booted again.
//
// Usage:
//
//	go run ./bench/runtime -clk guest.elf -linux-kernel vmlinuz -linux-initrd initramfs.cpio \
//		[-runs 2] [-smp 1] [-benchtime 1s] [-godebug cpu.avx2=off]
//		[-linux-args mitigations=off] [-together] [-timeout 10m]
//
// make bench-runtime builds the inputs and runs it.
package main
