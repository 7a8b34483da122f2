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
//		[-rng=true] [-disk IMAGE] [-net=true] [-http-port PORT] [-host-server 127.0.0.1:PORT]
//		[-- EXTRA QEMU ARGUMENTS]
//
// The machine gets clk's virtio devices (qemu.Devices): an entropy
// device, the disk IMAGE if given, and a network device on QEMU's user
// network with restrict=on, so that the guest reaches nothing but QEMU's
// gateway and the host's loopback through the rules -http-port (the
// host's 127.0.0.1:PORT to the guest's port 80) and -host-server (the
// guest's 10.0.2.100:8000 to a server on the host's loopback) set up.
//
// With -uefi the ISO boots from OVMF (CLK_OVMF_CODE and CLK_OVMF_VARS, else
// Debian's ovmf package), whose writable variable store is copied into DIR.
package main
