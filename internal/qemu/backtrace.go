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

// Func returns "function+offset" for addr, and false when no function
// holds it.
func (s *Symbols) Func(addr uint64) (string, bool) {
	if s == nil {
		return "", false
	}
	i := sort.Search(len(s.funcs), func(i int) bool { return s.funcs[i].Value > addr }) - 1
	if i < 0 {
		return "", false
	}
	f := s.funcs[i]
	if f.Size != 0 && addr >= f.Value+f.Size {
		return "", false
	}
	return fmt.Sprintf("%s+%#x", f.Name, addr-f.Value), true
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
