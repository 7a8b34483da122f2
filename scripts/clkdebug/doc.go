// Command clkdebug boots clk in QEMU for debugging: make debug, make gdb
// and make crash-dump run it.
//
// Usage:
//
//	go run ./scripts/clkdebug -kernel build/clk-debug.elf [-initrd build/initrd.cpio]
//		[-smp 2] [-mem 512M] [-debugger dlv|gdb|none] [-dlv PATH] [-relay PATH] [-gdb PATH]
//		[-goroot DIR] [-gdb-port 1234] [-console-port 4555] [-crash-dir build/crash]
//		[-- DEBUGGER ARGUMENTS]
//	go run ./scripts/clkdebug -attach 127.0.0.1:4555
//
// With -debugger dlv or gdb the machine starts paused, with QEMU's gdbstub
// on 127.0.0.1:GDB-PORT, and the debugger runs on this terminal: Delve
// through scripts/gdbrelay (-relay), GDB with the Go runtime's extension
// from GOROOT. The serial console is served on 127.0.0.1:CONSOLE-PORT;
// "clkdebug -attach" (make console) connects this terminal to it from
// another one. When the debugger exits, QEMU is ended.
//
// With -debugger none (make crash-dump) the serial console and QEMU's
// monitor are on this terminal, as with make qemu, and clkdebug exits with
// the guest's status.
//
// In every mode the guest can ask for crash dumps (clk/internal/qemu's
// CrashDumps): the kernel's panic and the shell's crashdump command write
// to an isa-debugcon device, and clkdebug has QEMU write the guest's
// memory as an ELF core into -crash-dir, which dlv core and gdb open with
// the kernel ELF. After a panic's dump, QEMU is ended.
package main
