package qemu

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
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
// QEMU write the guest's memory as an ELF core (QMP dump-guest-memory
// with paging: the memory the kernel's page tables map, at its virtual
// addresses, each vCPU's registers as a thread), which dlv core and gdb
// open with the kernel ELF.
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
	// and lets the guest run again before it answers. Without paging the
	// core would hold physical addresses, where the Go heap, mapped high,
	// is not found.
	if err := q.Execute("dump-guest-memory", map[string]any{"paging": true, "protocol": "file:" + abs}); err != nil {
		return Dump{Reason: reason, Err: fmt.Errorf("crash dump to %s: %w", path, err)}
	}
	if err := CanonicalCore(path); err != nil {
		return Dump{Reason: reason, Err: err}
	}
	return Dump{Reason: reason, Path: path}
}

// CanonicalCore corrects the virtual addresses of an x86-64 ELF core that
// QEMU's dump-guest-memory wrote with paging. Walking 4-level page tables,
// QEMU 7.2 sets the top 16 bits of every address, as if all were in the
// upper half where Linux keeps its kernel; clk's mappings are in the lower
// half too, and there an address is canonical only with those bits clear.
// Each PT_LOAD's p_vaddr gets bits 63..48 equal to bit 47 again.
func CanonicalCore(path string) error {
	// QEMU makes the core readable by its owner only.
	if err := os.Chmod(path, 0o644); err != nil {
		return fmt.Errorf("core %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("core %s: %w", path, err)
	}
	defer f.Close()
	var eh [64]byte // Elf64_Ehdr
	if _, err := io.ReadFull(f, eh[:]); err != nil {
		return fmt.Errorf("core %s: ELF header: %w", path, err)
	}
	le := binary.LittleEndian
	if string(eh[:4]) != elf.ELFMAG || elf.Class(eh[elf.EI_CLASS]) != elf.ELFCLASS64 ||
		elf.Data(eh[elf.EI_DATA]) != elf.ELFDATA2LSB || elf.Type(le.Uint16(eh[16:])) != elf.ET_CORE {
		return fmt.Errorf("core %s: not a little-endian ELF64 core", path)
	}
	phoff := int64(le.Uint64(eh[32:]))
	phentsize := int64(le.Uint16(eh[54:]))
	phnum := int64(le.Uint16(eh[56:]))
	if phnum == elfPNXNum {
		// More headers than 16 bits count: the number is in the
		// first section header's sh_info.
		var sh [64]byte // Elf64_Shdr
		if _, err := f.ReadAt(sh[:], int64(le.Uint64(eh[40:]))); err != nil {
			return fmt.Errorf("core %s: section header 0: %w", path, err)
		}
		phnum = int64(le.Uint32(sh[44:]))
	}
	if phentsize < 56 {
		return fmt.Errorf("core %s: program headers of %d bytes", path, phentsize)
	}
	for i := range phnum {
		var ph [56]byte // Elf64_Phdr
		at := phoff + i*phentsize
		if _, err := f.ReadAt(ph[:], at); err != nil {
			return fmt.Errorf("core %s: program header %d: %w", path, i, err)
		}
		if elf.ProgType(le.Uint32(ph[0:])) != elf.PT_LOAD {
			continue
		}
		vaddr := le.Uint64(ph[16:])
		canonical := uint64(int64(vaddr<<16) >> 16)
		if canonical == vaddr {
			continue
		}
		le.PutUint64(ph[16:], canonical)
		if _, err := f.WriteAt(ph[16:24], at+16); err != nil {
			return fmt.Errorf("core %s: program header %d: %w", path, i, err)
		}
	}
	return f.Close()
}

// elfPNXNum is e_phnum's escape value: the count is in section 0 (ELF
// gABI, "Program Header", PN_XNUM).
const elfPNXNum = 0xffff
