package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
)

// GDBStubArgs returns the QEMU arguments that serve QEMU's gdbstub on addr,
// a host:port that should be on the loopback.
func GDBStubArgs(addr string) []string { return []string{"-gdb", "tcp:" + addr} }

// Delve returns the dlv command that debugs elf, the kernel running in a
// QEMU whose gdbstub listens at stub: Delve's lldb backend runs relay
// (scripts/gdbrelay, through DELVE_DEBUGSERVER_PATH), which reaches the
// gdbstub at CLK_GDBSTUB. args go before the ELF (e.g. --init FILE).
// QEMU should have been started paused (-S): Delve's handshake fails on a
// running guest.
func Delve(dlv, relay, stub, elf string, args ...string) *exec.Cmd {
	a := append([]string{"exec", "--backend=lldb"}, args...)
	cmd := exec.Command(dlv, append(a, elf)...)
	cmd.Env = append(os.Environ(), "DELVE_DEBUGSERVER_PATH="+relay, "CLK_GDBSTUB="+stub)
	return cmd
}

// GDB returns the gdb command that debugs elf, the kernel running in a QEMU
// whose gdbstub listens at stub, with the Go runtime's GDB extension
// (goroot/src/runtime/runtime-gdb.py: info goroutines, goroutine N bt, the
// pretty printers) loaded. args come after the connection, e.g. -batch and
// -ex COMMAND.
func GDB(gdb, stub, elf, goroot string, args ...string) *exec.Cmd {
	a := []string{
		"-q", "-nx",
		"-iex", "set pagination off",
		"-iex", "set confirm off",
		// The ELF names the extension in .debug_gdb_scripts, which GDB
		// declines outside its safe path; it is loaded by name instead.
		"-iex", "set auto-load python-scripts off",
		"-ex", "source " + filepath.Join(goroot, "src", "runtime", "runtime-gdb.py"),
		"-ex", "target remote " + stub,
		elf,
	}
	return exec.Command(gdb, append(a, args...)...)
}
