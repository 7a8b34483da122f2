package qemu

import (
	"debug/elf"
	"debug/gosym"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Symbols names the addresses of a kernel or test binary: its code from
// the Go line table (.gopclntab), which even a stripped binary keeps (go
// test strips the binaries it runs), and its data from the ELF symbol
// table when there is one.
type Symbols struct {
	lines *gosym.Table
	data  map[string]elf.Symbol
}

// ReadSymbols reads the symbols of the Go ELF binary at path.
func ReadSymbols(path string) (*Symbols, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("%s: no Go line table", path)
	}
	b, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	lines, err := gosym.NewTable(nil, gosym.NewLineTable(b, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &Symbols{lines: lines, data: map[string]elf.Symbol{}}
	syms, _ := f.Symbols() // none in a stripped binary
	for _, sym := range syms {
		s.data[sym.Name] = sym
	}
	return s, nil
}

// Func returns "function+offset (file:line)" for addr, and false when no
// function holds it.
func (s *Symbols) Func(addr uint64) (string, bool) {
	if s == nil {
		return "", false
	}
	fn := s.lines.PCToFunc(addr)
	if fn == nil {
		return "", false
	}
	file, line, _ := s.lines.PCToLine(addr)
	return fmt.Sprintf("%s+%#x (%s:%d)", fn.Name, addr-fn.Entry, filepath.Base(file), line), true
}

// Name is Func with the address in hex where no function holds it.
func (s *Symbols) Name(addr uint64) string {
	if name, ok := s.Func(addr); ok {
		return name
	}
	return fmt.Sprintf("%#x", addr)
}

// Lookup returns the address and size of the symbol name.
func (s *Symbols) Lookup(name string) (addr, size uint64, ok bool) {
	if s == nil {
		return 0, 0, false
	}
	sym, ok := s.data[name]
	return sym.Value, sym.Size, ok
}

var (
	cpuLine  = regexp.MustCompile(`(?m)^[* ] CPU #([0-9]+):`)
	regValue = regexp.MustCompile(`\b(RIP|RBP|RSP|CPL|HLT)=([0-9a-f]+)`)
	words    = regexp.MustCompile(`0x([0-9a-f]+)`)
)

// maxFrames bounds a backtrace, which follows frame pointers the guest may
// have left in any state.
const maxFrames = 32

// CPU is where one vCPU is: its privilege level, whether it is halted,
// and, for a CPU in the kernel (CPL 0), its RIP followed by the return
// addresses its frame pointers give. Go's amd64 code keeps frame pointers,
// so that is the Go call stack of what the CPU runs.
type CPU struct {
	Index  int
	CPL    int
	Halted bool
	RSP    uint64
	Frames []uint64 // RIP first; only RIP for a CPU in ring 3
}

// CPUs reads every vCPU's registers and follows the frame pointers of those
// in the kernel: the way to see where a guest that no longer answers on its
// console spins.
func (q *QMP) CPUs() ([]CPU, error) {
	info, err := q.Monitor("info cpus")
	if err != nil {
		return nil, err
	}
	var cpus []CPU
	for _, m := range cpuLine.FindAllStringSubmatch(info, -1) {
		index, _ := strconv.Atoi(m[1])
		regs, err := q.MonitorOn(index, "info registers")
		if err != nil {
			return cpus, err
		}
		r := map[string]uint64{}
		for _, v := range regValue.FindAllStringSubmatch(regs, -1) {
			r[v[1]], _ = strconv.ParseUint(v[2], 16, 64)
		}
		c := CPU{Index: index, CPL: int(r["CPL"]), Halted: r["HLT"] != 0, RSP: r["RSP"], Frames: []uint64{r["RIP"]}}
		if c.CPL == 0 {
			c.Frames = append(c.Frames, q.callers(index, r["RBP"])...)
		}
		cpus = append(cpus, c)
	}
	return cpus, nil
}

// callers follows the frame-pointer chain from fp on vCPU index and
// returns the return addresses, at most maxFrames of them.
func (q *QMP) callers(index int, fp uint64) []uint64 {
	var rets []uint64
	for fp != 0 && len(rets) < maxFrames {
		mem, err := q.MonitorOn(index, fmt.Sprintf("x /2gx %#x", fp))
		if err != nil {
			break
		}
		w := words.FindAllStringSubmatch(mem, -1)
		if len(w) < 2 {
			break
		}
		next, _ := strconv.ParseUint(w[0][1], 16, 64)
		ret, _ := strconv.ParseUint(w[1][1], 16, 64)
		if ret == 0 {
			break
		}
		rets = append(rets, ret)
		if next <= fp {
			break // stacks grow down: a caller's frame lies above
		}
		fp = next
	}
	return rets
}

// FormatCPUs writes cpus one per paragraph, their frames named with syms
// (which may be nil).
func FormatCPUs(cpus []CPU, syms *Symbols) string {
	var b strings.Builder
	for _, c := range cpus {
		fmt.Fprintf(&b, "CPU %d: CPL %d, halted %v, RSP %#x\n", c.Index, c.CPL, c.Halted, c.RSP)
		for _, f := range c.Frames {
			fmt.Fprintf(&b, "\t%s\n", syms.Name(f))
		}
	}
	return b.String()
}
