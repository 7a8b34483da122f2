//go:build clk

package x86

import (
	"fmt"
	_ "unsafe" // for go:linkname
)

// The I/O APICs as the kernel reaches them on clk: under the lock that the
// runtime's interrupt entry shares, since the entry masks level-triggered
// lines itself (runtime/ioapic_clk_amd64.go in rt/src).

//go:linkname ioapicRead runtime.clkIOAPICRead
func ioapicRead(base uintptr, reg uint32) uint32

//go:linkname ioapicWrite runtime.clkIOAPICWrite
func ioapicWrite(base uintptr, reg, v uint32)

//go:linkname ioapicUnmask runtime.clkIOAPICUnmask
func ioapicUnmask(base uintptr, reg uint32)

//go:linkname setLevelLine runtime.clkSetLevelLine
func setLevelLine(v uint8, base uintptr, reg uint32) bool

// IOAPICAt is Indirect for the I/O APIC whose registers are at physical
// address IOAPICAt (in the identity-mapped first 4 GiB).
type IOAPICAt uintptr

func (a IOAPICAt) Read(reg uint32) uint32 { return ioapicRead(uintptr(a), reg) }
func (a IOAPICAt) Write(reg, v uint32)    { ioapicWrite(uintptr(a), reg, v) }
func (a IOAPICAt) Unmask(reg uint32)      { ioapicUnmask(uintptr(a), reg) }

// MaskOnInterrupt makes the interrupt entry of vector mask GSI gsi of a
// before each end of interrupt, which a level-triggered line needs: its
// device holds it asserted until a driver goroutine acknowledges the
// device, and unmasked it would interrupt again at once. Whoever handles
// the interrupt unmasks the line (a.Unmask) once the device has been
// acknowledged. a must have been made with IOAPICAt.
func MaskOnInterrupt(vector uint8, a *IOAPIC, gsi uint32) error {
	base, ok := a.regs.(IOAPICAt)
	if !ok || base == 0 {
		return fmt.Errorf("ioapic: the interrupt entry cannot reach this I/O APIC")
	}
	if !a.Serves(gsi) {
		return fmt.Errorf("ioapic: GSI %d is not on this I/O APIC", gsi)
	}
	if vector < FirstDeviceVector || vector > LastDeviceVector || !setLevelLine(vector, uintptr(base), a.entry(gsi)) {
		return fmt.Errorf("ioapic: vector %d is not a device vector", vector)
	}
	return nil
}

// StopMaskOnInterrupt undoes MaskOnInterrupt for vector.
func StopMaskOnInterrupt(vector uint8) {
	if vector >= FirstDeviceVector && vector <= LastDeviceVector {
		setLevelLine(vector, 0, 0)
	}
}
