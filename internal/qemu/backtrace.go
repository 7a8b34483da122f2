package qemu

import (
	"debug/elf"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Symbols names the code addresses of a kernel ELF.
type Symbols struct {
	funcs []elf.Symbol // by address
	all   map[string]elf.Symbol
}

// ReadSymbols reads the function symbols of the ELF at path.
func ReadSymbols(path string) (*Symbols, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &Symbols{all: make(map[string]elf.Symbol, len(syms))}
	for _, sym := range syms {
		s.all[sym.Name] = sym
		if elf.ST_TYPE(sym.Info) == elf.STT_FUNC && sym.Value != 0 {
			s.funcs = append(s.funcs, sym)
		}
	}
	sort.Slice(s.funcs, func(i, j int) bool { return s.funcs[i].Value < s.funcs[j].Value })
	return s, nil
}

// Name returns "function+offset" for addr, or the address in hex when no
// function holds it.
func (s *Symbols) Name(addr uint64) string {
	if s != nil {
		i := sort.Search(len(s.funcs), func(i int) bool { return s.funcs[i].Value > addr }) - 1
		if i >= 0 {
			f := s.funcs[i]
			if addr < f.Value+f.Size || f.Size == 0 {
				return fmt.Sprintf("%s+%#x", f.Name, addr-f.Value)
			}
		}
	}
	return fmt.Sprintf("%#x", addr)
}

// Lookup returns the address and size of the symbol name.
func (s *Symbols) Lookup(name string) (addr, size uint64, ok bool) {
	if s == nil {
		return 0, 0, false
	}
	sym, ok := s.all[name]
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

// Backtraces returns, for each vCPU, its privilege level, whether it is
// halted, and the chain of return addresses its frame pointers give, named
// with syms (which may be nil). Go's amd64 code keeps frame pointers, so
// for a CPU in the kernel this is the Go call stack of what it runs: the
// way to see where a guest that no longer answers on its console spins.
func (q *QMP) Backtraces(syms *Symbols) (string, error) {
	cpus, err := q.Monitor("info cpus")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range cpuLine.FindAllStringSubmatch(cpus, -1) {
		cpu, _ := strconv.Atoi(m[1])
		regs, err := q.MonitorOn(cpu, "info registers")
		if err != nil {
			return b.String(), err
		}
		r := map[string]uint64{}
		for _, v := range regValue.FindAllStringSubmatch(regs, -1) {
			r[v[1]], _ = strconv.ParseUint(v[2], 16, 64)
		}
		fmt.Fprintf(&b, "CPU %s: CPL %d, halted %d, RSP %#x\n", m[1], r["CPL"], r["HLT"], r["RSP"])
		fmt.Fprintf(&b, "\t%s\n", syms.Name(r["RIP"]))
		if r["CPL"] != 0 {
			continue // a user program's frames mean nothing to syms
		}
		for fp, n := r["RBP"], 0; fp != 0 && n < maxFrames; n++ {
			mem, err := q.MonitorOn(cpu, fmt.Sprintf("x /2gx %#x", fp))
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
			fmt.Fprintf(&b, "\t%s\n", syms.Name(ret))
			if next <= fp {
				break // stacks grow down: a caller's frame lies above
			}
			fp = next
		}
	}
	return b.String(), nil
}
