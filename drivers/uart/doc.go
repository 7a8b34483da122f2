// Package uart drives a 16550-compatible serial port (PC16550D data sheet):
// the PC's COM ports and the console of every clk machine.
//
// Output goes out by polling the transmitter; input comes in by interrupt.
// A goroutine waits on the port's interrupt vector, drains the receive FIFO
// into a buffered channel and waits again, so a reader blocks without
// spinning and the CPU halts while nobody types.
package uart
