// Package pci finds the functions on the machine's PCI buses: what each
// is (vendor, device, class), the address ranges its base address
// registers decode and how large they are, how it interrupts (the INTx
// pin and line, MSI, MSI-X), and the bridges behind which more buses lie.
//
// Configuration space is reached through a Config, of which there are two:
// PortConfig, the legacy mechanism of I/O ports 0xCF8 and 0xCFC (QEMU's
// -M pc, 256 bytes per function), and ECAM, the PCI Express enhanced
// configuration access mechanism, memory-mapped at an address the ACPI
// MCFG table gives (QEMU's -M q35, 4096 bytes per function). Both take
// their hardware through small interfaces (Ports, MMIO) that the kernel
// fills with port instructions and uncached memory, so that the package
// is plain Go and tested on the host against a fake configuration space
// written from the specifications.
//
// Enumerate walks bus 0 and, through the secondary bus number of each
// PCI-to-PCI bridge, the buses below it, visiting each bus once. What a
// device reports is outside input: capability lists that loop, point into
// the header or out of configuration space end with an error kept on the
// Function, never a hang or a panic, and every capability read lies within
// the function's first 256 bytes.
//
// Sizing a base address register writes all ones to it, which makes the
// device decode a range it was not given; Enumerate turns the function's
// I/O and memory decoding off while it sizes (not on host bridges, which
// keep the way to memory open) and restores the register and the command
// register after. It is meant to run once at boot, before drivers use the
// devices.
//
// References: PCI Local Bus Specification 3.0 (the type 0 header, 6.1 and
// 6.2; base address registers, 6.2.5; capabilities, 6.7; MSI and MSI-X,
// 6.8), the PCI-to-PCI Bridge Architecture Specification 1.2 (the type 1
// header, 3.2), the PCI Express Base Specification (ECAM, 7.2.2) and the
// PCI Code and ID Assignment Specification (class codes).
//
// Lock order: PortConfig's lock is a leaf, held for one address and data
// access pair.
package pci
