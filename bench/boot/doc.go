// Command boot measures how long clk takes to boot under QEMU: the time
// from starting QEMU to the first shell prompt on the serial console, for each
// boot path, as the median of several runs. It never fails on time; it fails
// only when a boot does not reach the prompt.
//
// Then it prints the kernel image's size (the ELF file, and what its
// loadable segments take in memory) and the smallest guest memory (QEMU's
// -m, among 16 to 512 MiB) with which the kernel, booted through its PVH
// note on microvm with the initrd, reaches the prompt and runs `run hello`,
// found by bisection on the assumption that more memory never hurts; with
// the size just below it and why that one failed.
//
// Usage:
//
//	go run ./bench/boot [-elf build/clk.elf] [-iso build/clk.iso] [-img build/clk.img] [-initrd build/initrd.cpio] [-runs 5] [-uefi]
//
// make bench-boot runs it on the build artefacts.
package main
