// Command gdbrelay stands in for LLDB's debugserver so that Delve can
// debug the kernel through QEMU's gdbstub: make debug sets
// DELVE_DEBUGSERVER_PATH to it and CLK_GDBSTUB to the gdbstub's address,
// and runs dlv exec --backend=lldb on the kernel ELF.
//
// Delve runs it as "gdbrelay [OPTIONS] -R 127.0.0.1:PORT -- PROGRAM..." and
// waits on PORT; gdbrelay dials QEMU's gdbstub at CLK_GDBSTUB (retrying
// while QEMU starts), then Delve's PORT, and relays between them
// (clk/internal/gdbrelay) until Delve ends the session. Every other option
// of debugserver's, and the program, are ignored: the program is already
// running in QEMU. CLK_GDBRELAY_LOG names a file for the relay's log.
package main
