// Package ps2 drives the PC's 8042 keyboard controller (the "PS/2"
// controller): the keyboard, whose scan codes it turns into the bytes a
// terminal in raw mode would send, and the CPU reset line, which reboots
// the machine.
//
// The firmware leaves the controller with the keyboard enabled and its
// scan codes translated to set 1 (IBM PC/AT Technical Reference), which is
// what the decoder reads. Input comes in by interrupt: a goroutine waits
// on the keyboard's vector, drains the controller's output buffer and
// decodes, as the UART driver does for the serial line.
package ps2
