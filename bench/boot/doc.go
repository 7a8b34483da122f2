// Command boot measures how long clk takes to boot under QEMU: the time
// from starting QEMU to the first shell prompt on the serial console, for each
// boot path, as the median of several runs. It never fails on time; it fails
// only when a boot does not reach the prompt.
//
// Usage:
//
//	go run ./bench/boot [-elf build/clk.elf] [-iso build/clk.iso] [-img build/clk.img] [-runs 5] [-uefi]
//
// make bench-boot runs it on the build artefacts.
package main
