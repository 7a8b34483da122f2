package acpi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Memory returns n bytes of physical memory at addr.
type Memory func(addr uint64, n int) []byte

// ErrNotFound is returned for a table the firmware does not provide.
var ErrNotFound = errors.New("acpi: table not found")

// ErrCorrupt is returned for a table whose signature, length or checksum is
// wrong.
var ErrCorrupt = errors.New("acpi: corrupt table")

const (
	rsdpV1Len   = 20 // 5.2.5.3
	rsdpV2Len   = 36
	headerLen   = 36 // 5.2.6, the system description table header
	maxTableLen = 1 << 20

	// maxPhys bounds every table address: x86-64 physical addresses have
	// at most 52 bits, so a pointer above that is corrupt, and a table
	// that starts below it cannot wrap the address space.
	maxPhys = 1 << 52
)

// Tables is the set of system description tables reachable from the RSDP.
type Tables struct {
	mem    Memory
	tables []uint64 // physical addresses from the RSDT or XSDT
}

// Parse validates the RSDP and reads the root table it points to.
func Parse(rsdp []byte, mem Memory) (*Tables, error) {
	if len(rsdp) < rsdpV1Len || !bytes.Equal(rsdp[:8], []byte("RSD PTR ")) {
		return nil, fmt.Errorf("rsdp: bad signature: %w", ErrCorrupt)
	}
	if sum(rsdp[:rsdpV1Len]) != 0 {
		return nil, fmt.Errorf("rsdp: bad checksum: %w", ErrCorrupt)
	}
	t := &Tables{mem: mem}
	rev := rsdp[15]
	if rev >= 2 && len(rsdp) >= rsdpV2Len && sum(rsdp[:rsdpV2Len]) == 0 {
		if xsdt := binary.LittleEndian.Uint64(rsdp[24:]); xsdt != 0 {
			root, err := t.read(xsdt, "XSDT")
			if err != nil {
				return nil, err
			}
			for p := root[headerLen:]; len(p) >= 8; p = p[8:] {
				t.tables = append(t.tables, binary.LittleEndian.Uint64(p))
			}
			return t, nil
		}
	}
	root, err := t.read(uint64(binary.LittleEndian.Uint32(rsdp[16:])), "RSDT")
	if err != nil {
		return nil, err
	}
	for p := root[headerLen:]; len(p) >= 4; p = p[4:] {
		t.tables = append(t.tables, uint64(binary.LittleEndian.Uint32(p)))
	}
	return t, nil
}

// Find returns the first table with the given signature, header included.
func (t *Tables) Find(sig string) ([]byte, error) {
	for _, addr := range t.tables {
		if addr >= maxPhys {
			continue
		}
		h := t.mem(addr, 4)
		if len(h) == 4 && string(h) == sig {
			return t.read(addr, sig)
		}
	}
	return nil, fmt.Errorf("%s: %w", sig, ErrNotFound)
}

// read returns the table at addr after checking its signature, length and
// checksum.
func (t *Tables) read(addr uint64, sig string) ([]byte, error) {
	if addr == 0 {
		return nil, fmt.Errorf("%s: %w", sig, ErrNotFound)
	}
	if addr >= maxPhys {
		return nil, fmt.Errorf("%s at %#x: beyond physical memory: %w", sig, addr, ErrCorrupt)
	}
	h := t.mem(addr, headerLen)
	if len(h) < headerLen || string(h[:4]) != sig {
		return nil, fmt.Errorf("%s at %#x: bad signature: %w", sig, addr, ErrCorrupt)
	}
	n := binary.LittleEndian.Uint32(h[4:])
	if n < headerLen || n > maxTableLen {
		return nil, fmt.Errorf("%s at %#x: bad length %d: %w", sig, addr, n, ErrCorrupt)
	}
	b := t.mem(addr, int(n))
	if len(b) != int(n) || sum(b) != 0 {
		return nil, fmt.Errorf("%s at %#x: bad checksum: %w", sig, addr, ErrCorrupt)
	}
	return b, nil
}

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}
