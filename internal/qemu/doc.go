// Package qemu owns clk's QEMU command line and drives QEMU for the tools
// around the kernel: the system tests (test/system), the benchmarks
// (bench/...), the go test -exec wrapper (scripts/clkexec, run by
// scripts/go_clk_amd64_exec) and make qemu (scripts/clkboot).
//
// Command (command.go) is the one definition of the machine: -M from the
// Boot (PVH ELF or Linux kernel with -kernel, ISO from BIOS or UEFI), -cpu
// max, memory, CPUs and accelerator, no display, -no-reboot so that a
// triple fault stops the machine, the isa-debug-exit device through which
// clk reports its exit status, the serial console piped or on a terminal,
// and optionally a QMP socket, QEMU's cpu_reset and guest_errors log, and a
// pause instead of an exit when the guest stops.
//
// Machine (machine.go) is a running QEMU whose serial console is on pipes:
// it collects the console, waits for text with Expect, types with Send and
// Command, and waits for QEMU to end. Every Machine has a deadline and is
// killed when its context ends, so a hung guest never outlives the test or
// program that started it. QMP (qmp.go) talks to QEMU's machine protocol:
// keys, guest memory, the human monitor's "info registers", events.
//
// For debugging (make debug, make gdb, make crash-dump: scripts/clkdebug
// and test/system), debugger.go has the gdbstub's arguments and the
// command lines of Delve (through scripts/gdbrelay) and GDB, and
// crashdump.go takes the crash dumps a guest asks for on an isa-debugcon
// device, as ELF cores with the kernel's virtual addresses.
//
// Defaults come from the environment: QEMU from CLK_QEMU (default
// qemu-system-x86_64), guest memory from CLK_QEMU_MEM (default 512M), the
// accelerator from CLK_QEMU_ACCEL (default tcg), UEFI firmware from
// CLK_OVMF_CODE and CLK_OVMF_VARS (default Debian's ovmf package).
package qemu
