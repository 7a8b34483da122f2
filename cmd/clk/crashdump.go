//go:build clk

package main

import (
	"errors"
	"time"

	x86 "clk/arch/x86_64"
)

// crashDumpPort is QEMU's isa-debugcon on Bochs' port 0xe9, which the host
// tools that take crash dumps attach (clk/internal/qemu.CrashDumps, make
// crash-dump). Reading the port gives back its number when the device is
// there and 0xff when not; a line written to it asks for a dump. The
// runtime writes "panic" there when the kernel panics (rt/, clkExit).
const crashDumpPort = 0xe9

// errNoCrashDumpTaker says that no host tool listens for crash-dump
// requests.
var errNoCrashDumpTaker = errors.New("crash dump: no taker attached (boot with make crash-dump, make debug or make gdb)")

// CrashDump asks the host for a dump of the machine's memory.
func (s *system) CrashDump() error {
	if x86.Inb(crashDumpPort) != crashDumpPort {
		return errNoCrashDumpTaker
	}
	for _, c := range []byte("request\n") {
		x86.Outb(crashDumpPort, c)
	}
	return nil
}

// Panic panics a new kernel goroutine, outside the shell's recovery, and
// waits for the end of the machine that follows.
func (s *system) Panic(reason string) {
	go func() { panic(reason) }()
	for {
		time.Sleep(time.Hour)
	}
}
