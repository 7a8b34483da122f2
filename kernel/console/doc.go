// Package console is the kernel's first prompt: a line editor and a table
// of commands on a terminal (the serial console). It reads bytes, echoes
// them, handles backspace and Ctrl-U, and runs the command named by the
// first word of each line. The actor shell replaces it; until then it is how
// a person talks to clk.
package console
