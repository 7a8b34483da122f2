package qemu

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// CrashDumpPort is the I/O port of the isa-debugcon device through which
// clk asks for a crash dump: Bochs' port 0xe9. Reading it gives back 0xe9
// when the device is there, so the guest knows whether anyone listens.
const CrashDumpPort = 0xe9

// The requests a guest writes to CrashDumpPort, one a line.
const (
	// DumpPanic is the runtime's, when the kernel panicked: the
	// panicking CPU stays halted, and the machine is ended once dumped.
	DumpPanic = "panic"
	// DumpRequest is the shell's crashdump command's: the machine runs
	// on once dumped.
	DumpRequest = "request"
)

// CrashDumps takes the crash dumps a guest asks for: QEMU writes the
// guest's requests to a Unix socket it listens on, and for each it has
// QEMU write the guest's memory as an ELF core (QMP dump-guest-memory,
// without paging: physical memory, each vCPU's registers as a thread),
// which dlv core and gdb open with the kernel ELF.
type CrashDumps struct {
	dir  string
	sock string
	ln   net.Listener

	mu sync.Mutex
	n  int
}

// Dump is one crash dump taken.
type Dump struct {
	Reason string // DumpPanic or DumpRequest
	Path   string // the ELF core, when Err is nil
	Err    error
}

// ListenCrashDumps makes dir and listens for a guest's requests on a socket
// in it; the cores go to dir too.
func ListenCrashDumps(dir string) (*CrashDumps, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("crash dumps: %w", err)
	}
	sock := filepath.Join(dir, "requests.sock")
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("crash dumps: %w", err)
	}
	return &CrashDumps{dir: dir, sock: sock, ln: ln}, nil
}

// Args returns the QEMU arguments that attach the guest's request port to
// the socket: an isa-debugcon device on CrashDumpPort whose character
// device connects to it.
func (c *CrashDumps) Args() []string {
	return []string{
		"-chardev", "socket,id=clkcrash,path=" + optionValue(c.sock),
		"-device", fmt.Sprintf("isa-debugcon,iobase=%#x,chardev=clkcrash", CrashDumpPort),
	}
}

// Close stops listening and removes the socket.
func (c *CrashDumps) Close() error {
	err := c.ln.Close()
	os.Remove(c.sock)
	return err
}

// Serve takes QEMU's connection and, for each request the guest writes,
// dumps the guest through q and calls done, until QEMU's connection ends.
// After a panic's dump it quits QEMU: the guest would only stay halted.
func (c *CrashDumps) Serve(q *QMP, done func(Dump)) error {
	conn, err := c.ln.Accept()
	if err != nil {
		return fmt.Errorf("crash dumps: %w", err)
	}
	defer conn.Close()
	lines := bufio.NewScanner(conn)
	for lines.Scan() {
		reason := strings.TrimSpace(lines.Text())
		if reason != DumpPanic && reason != DumpRequest {
			done(Dump{Reason: reason, Err: fmt.Errorf("crash dumps: unknown request %q", reason)})
			continue
		}
		d := c.dump(q, reason)
		done(d)
		if reason == DumpPanic {
			return q.Execute("quit", nil)
		}
	}
	return nil
}

// dump has QEMU write the guest's memory to the next core file of dir.
func (c *CrashDumps) dump(q *QMP, reason string) Dump {
	c.mu.Lock()
	c.n++
	path := filepath.Join(c.dir, fmt.Sprintf("clk-%s-%d.core", time.Now().UTC().Format("20060102T150405"), c.n))
	c.mu.Unlock()
	abs, err := filepath.Abs(path)
	if err != nil {
		return Dump{Reason: reason, Err: fmt.Errorf("crash dump: %w", err)}
	}
	// Synchronous (no detach): QEMU stops the guest, writes the file,
	// and lets the guest run again before it answers.
	if err := q.Execute("dump-guest-memory", map[string]any{"paging": false, "protocol": "file:" + abs}); err != nil {
		return Dump{Reason: reason, Err: fmt.Errorf("crash dump to %s: %w", path, err)}
	}
	return Dump{Reason: reason, Path: path}
}
