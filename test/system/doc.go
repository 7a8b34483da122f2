// Package systest boots clk's build artefacts in QEMU and drives them over the
// serial console the way a person at a terminal would.
//
// The reusable part is Machine (qemu.go): it starts QEMU with a Boot (the PVH
// ELF on -M pc or -M microvm, the ISO from BIOS or UEFI), collects the serial
// console, waits for text with Expect, types with Send and Command, and waits
// for QEMU to end. Every Machine has a deadline and is killed when its context
// ends, so a hung guest never outlives the test or program that started it.
// cmd/bootbench uses it to time boots.
//
// The system tests run against the artefacts named by environment variables,
// and are skipped when they are unset (make test sets them):
//
//	CLK_SYSTEST_ELF  build/clk.elf, booted through its PVH note (QEMU -kernel)
//	CLK_SYSTEST_ISO  build/clk.iso, booted by GRUB from BIOS, and from UEFI
//	                 when the OVMF firmware is installed
//
// The same shell session also runs against a stand-in kernel assembled from
// testdata/fakekernel.S, and so does go_clk_amd64_exec, so that the harness and
// the exec wrapper are tested on any host with QEMU and binutils, whatever the
// state of the real kernel.
//
// QEMU is taken from CLK_QEMU (default qemu-system-x86_64), guest memory from
// CLK_QEMU_MEM (default 512M) and the accelerator from CLK_QEMU_ACCEL (default
// tcg), as in scripts/go_clk_amd64_exec.
package systest
