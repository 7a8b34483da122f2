package vtd

import (
	"fmt"

	"clk/drivers/pci"
)

// Fault is one DMA request the unit blocked, from a fault recording
// register (10.4.14).
type Fault struct {
	Source pci.Addr
	// Addr is the page of the request's address (the low 12 bits are not
	// recorded).
	Addr   uint64
	Reason uint8
	Write  bool
}

func (f Fault) String() string {
	rw := "read"
	if f.Write {
		rw = "write"
	}
	return fmt.Sprintf("%v %s at %#x blocked: reason %#x (%s)", f.Source, rw, f.Addr, f.Reason, ReasonText(f.Reason))
}

// Fault reasons of DMA remapping (appendix A).
var reasons = map[uint8]string{
	0x1: "root entry not present",
	0x2: "context entry not present",
	0x3: "context entry invalid",
	0x4: "address beyond the guest address width",
	0x5: "write not permitted",
	0x6: "read not permitted",
	0x7: "paging entry unreadable",
	0x8: "root table unreadable",
	0x9: "context table unreadable",
	0xa: "root entry reserved bits set",
	0xb: "context entry reserved bits set",
	0xc: "paging entry reserved bits set",
	0xd: "translation type blocked",
}

// ReasonText names a fault reason.
func ReasonText(r uint8) string {
	if s, ok := reasons[r]; ok {
		return s
	}
	return "unknown"
}

// Fault recording register fields: the fault bit in bit 127, the type in
// bit 126 (set for a read), the reason in bits 103:96, the source ID in
// bits 79:64, the page address in bits 63:12.
const (
	frcdF = 1 << 63 // of the high half
	frcdT = 1 << 62
)

// Faults returns the faults the unit recorded since the last call and
// clears their records and the overflow flag, so that the unit records
// new ones (and raises its interrupt for them) again.
func (u *Unit) Faults() []Fault {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []Fault
	for i := range u.nfr {
		off := u.frcd + uintptr(i)*16
		hi := read64(u.regs, off+8)
		if hi&frcdF == 0 {
			continue
		}
		lo := read64(u.regs, off)
		sid := uint16(hi)
		out = append(out, Fault{
			Source: pci.Addr{Bus: uint8(sid >> 8), Device: uint8(sid >> 3 & 0x1f), Function: uint8(sid & 7)},
			Addr:   lo &^ (pageSize - 1),
			Reason: uint8(hi >> 32),
			Write:  hi&frcdT == 0,
		})
		// F is write-1-to-clear, in the record's last 32 bits.
		u.regs.Write32(off+12, uint32(frcdF>>32))
	}
	if u.regs.Read32(regFSTS)&fstsPFO != 0 {
		u.regs.Write32(regFSTS, fstsPFO)
	}
	return out
}

// SetFaultInterrupt has the unit send the MSI message (addr, data) each
// time it records a fault while none is pending (10.4.10 to 10.4.13).
func (u *Unit) SetFaultInterrupt(addr uint64, data uint32) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.regs.Write32(regFEDATA, data)
	u.regs.Write32(regFEADDR, uint32(addr))
	u.regs.Write32(regFEUADR, uint32(addr>>32))
	u.regs.Write32(regFECTL, u.regs.Read32(regFECTL)&^fectlIM)
}
