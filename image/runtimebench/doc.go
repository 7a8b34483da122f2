// Command runtimebench compares clk with Linux as a platform for Go programs.
// It boots the program in ./guest twice under the same QEMU command line
// (-M pc -cpu max, the memory, CPUs and accelerator of the exec wrapper's
// defaults): built for GOOS=clk and booted through its PVH note, and built
// as a static GOOS=linux program that is /init of an initramfs booted by
// Debian's cloud kernel (scripts/linux-guest.sh). It parses the programs'
// "bench" lines and prints, for each benchmark, the best time per operation
// on each system over the boots and the speed ratio Linux time / clk time,
// so that a ratio above 1 means clk is faster. It never fails on time, only
// when a guest does not boot, print its results or end.
//
// Each boot also prints the time from QEMU's start to the program's first
// line and the program's run time by the guest's clock and by the host's,
// which should agree: the benchmarks trust the guest's clock.
//
// Usage:
//
//	go run ./image/runtimebench -clk guest.elf -linux-kernel vmlinuz -linux-initrd initramfs.cpio [-runs 2] [-smp 1] [-benchtime 1s]
//
// make bench-runtime builds the inputs and runs it.
package main
