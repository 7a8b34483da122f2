// Package ps2 drives the PC's 8042 keyboard controller (the "PS/2"
// controller). For now it only does what every PC has used it for since
// the AT: pulsing the CPU reset line, which reboots the machine.
package ps2
