// Command clkboot boots clk in QEMU for a person at the terminal: make qemu
// and make qemu-iso run it. The command line is clk/internal/qemu's, with
// the serial console and QEMU's monitor multiplexed on the terminal (Ctrl-A
// X quits, Ctrl-A C switches between them), and it says how QEMU ended:
// status 0 is an ACPI power-off (or Ctrl-A X), an odd status (V << 1) | 1 is
// the guest's status V, with which clkboot exits.
//
// Usage:
//
//	go run ./scripts/clkboot [-mem 512M] [-smp 2] [-accel tcg] [-display none]
//		(-kernel build/clk.elf [-initrd build/initrd.cpio] | -iso build/clk.iso [-uefi DIR])
//		[-- EXTRA QEMU ARGUMENTS]
//
// With -uefi the ISO boots from OVMF (CLK_OVMF_CODE and CLK_OVMF_VARS, else
// Debian's ovmf package), whose writable variable store is copied into DIR.
package main
