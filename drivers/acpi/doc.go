// Package acpi reads the ACPI tables the firmware leaves in memory: the
// RSDP, the RSDT or XSDT, and from them the MADT (processors, I/O APICs,
// interrupt overrides), the FADT (power-management registers), the MCFG
// (where PCI Express configuration space is memory-mapped), the DMAR (the
// VT-d DMA remapping units) and, in the DSDT, the \_S5 sleep type that
// powers the machine off.
//
// Parsing is plain Go over a Memory function and is tested on the host with
// synthetic tables. Every length and checksum is checked: the tables are
// outside input. Section numbers refer to the ACPI 6.4 specification,
// except for the MCFG, which the PCI Firmware Specification 3.0 defines,
// and the DMAR, which Intel's VT-d specification defines.
package acpi
