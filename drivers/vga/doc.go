// Package vga drives the VGA text screen: 80 columns by 25 rows of
// character and attribute bytes at physical address 0xB8000 (IBM VGA
// technical reference, text modes), with the hardware cursor set through the
// CRT controller's registers.
//
// A Screen is an io.Writer that understands what a shell writes to a
// terminal: printable ASCII, newline, carriage return, backspace (cursor
// left), tab and the ECMA-48 erase-to-end-of-line sequence; other escape
// sequences are consumed and ignored, and bytes outside ASCII show as '?'.
// The screen scrolls up when output passes the last row. A Screen is safe
// for concurrent use.
package vga
