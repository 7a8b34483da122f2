//go:build clk

package x86

import (
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"
)

// The runtime port's interface to the kernel; see runtime/export_clk.go in
// rt/src. Each of these is pushed by the runtime with //go:linkname.

//go:linkname irqWait runtime.clkIRQWait
func irqWait(v uint8)

//go:linkname irqCount runtime.clkIRQCountOf
func irqCount(v uint8) uint64

//go:linkname bootLoader runtime.clkBootLoader
func bootLoader() string

//go:linkname bootCmdline runtime.clkBootCmdline
func bootCmdline() string

//go:linkname bootMemRange runtime.clkBootMemRange
func bootMemRange(i int) (base, size uint64, kind uint32, ok bool)

//go:linkname bootInitrd runtime.clkBootInitrd
func bootInitrd() (base, size uint64)

//go:linkname bootRSDP runtime.clkBootRSDP
func bootRSDP() (rsdp [36]byte, addr uint64)

//go:linkname bootFramebuffer runtime.clkBootFramebuffer
func bootFramebuffer() (addr uint64, pitch, width, height uint32, bpp uint8)

//go:linkname memUsage runtime.clkMemUsage
func memUsage() (total, used, free uint64)

//go:linkname setTrapHook runtime.clkSetTrapHook
func setTrapHook(h func(frame unsafe.Pointer, text []byte) int)

//go:linkname clockRates runtime.clkClockRates
func clockRates() (tscHz, lapicHz uint64)

// WaitIRQ blocks the calling goroutine until vector v fires. An interrupt
// that came while nobody waited is remembered and ends the next wait at
// once. Only one goroutine may wait on a vector at a time.
func WaitIRQ(v uint8) { irqWait(v) }

// IRQCount reports how many times vector v has fired since boot.
func IRQCount(v uint8) uint64 { return irqCount(v) }

// Boot returns what the boot loader told the kernel.
func Boot() BootInfo {
	b := BootInfo{Loader: bootLoader(), Cmdline: bootCmdline()}
	for i := 0; ; i++ {
		base, size, kind, ok := bootMemRange(i)
		if !ok {
			break
		}
		b.Memory = append(b.Memory, MemRange{Base: base, Size: size, Type: kind})
	}
	b.InitrdBase, b.InitrdSize = bootInitrd()
	b.RSDP, b.RSDPAddr = bootRSDP()
	fb := &b.Framebuffer
	fb.Addr, fb.Pitch, fb.Width, fb.Height, fb.BitsPerPixel = bootFramebuffer()
	return b
}

// Memory reports physical memory: as the loader described it, as the
// runtime has taken it, and what is left.
func Memory() (total, used, free uint64) { return memUsage() }

// Clocks reports the measured rates of the time-stamp counter and the local
// APIC timer.
func Clocks() (tscHz, lapicHz uint64) { return clockRates() }

// SinceReset is the time since the CPU was reset, by the time-stamp counter.
// It includes the firmware and the boot loader.
func SinceReset() time.Duration {
	hz, _ := clockRates()
	if hz == 0 {
		return 0
	}
	t := rdtsc()
	return time.Duration(t/hz)*time.Second + time.Duration(t%hz*uint64(time.Second)/hz)
}

// Phys returns the n bytes of physical memory at addr, which the runtime
// keeps identity-mapped.
func Phys(addr uint64, n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(uintptr(addr))), n)
}

// MMIO is access to memory-mapped registers at a physical address, each
// call one load or store of its width. The runtime maps the last GiB below
// 4 GiB (0xc0000000 up: the local APIC, the I/O APIC, most PCI BARs)
// uncached; the rest of the first 4 GiB is identity-mapped with the
// default memory type, and device memory there (QEMU q35's ECAM at
// 0xb0000000) is uncached only as far as the firmware's MTRRs make it so.
type MMIO uintptr

// Read8 reads the byte register at byte offset off.
func (m MMIO) Read8(off uintptr) uint8 { return mmioRead8(uintptr(m) + off) }

// Read16 reads the 16-bit register at byte offset off.
func (m MMIO) Read16(off uintptr) uint16 { return mmioRead16(uintptr(m) + off) }

// Write8 writes the byte register at byte offset off.
func (m MMIO) Write8(off uintptr, v uint8) { mmioWrite8(uintptr(m)+off, v) }

// Write16 writes the 16-bit register at byte offset off.
func (m MMIO) Write16(off uintptr, v uint16) { mmioWrite16(uintptr(m)+off, v) }

// Read32 reads the register at byte offset off.
func (m MMIO) Read32(off uintptr) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(uintptr(m) + off)))
}

// Write32 writes the register at byte offset off.
func (m MMIO) Write32(off uintptr, v uint32) {
	atomic.StoreUint32((*uint32)(unsafe.Pointer(uintptr(m)+off)), v)
}

//go:linkname cpuList runtime.clkCPUList
func cpuList(ids []uint32) int

//go:linkname sendInterrupt runtime.clkSendInterrupt
func sendInterrupt(apicID uint32, vector uint8) bool

// sendNMI sends an NMI to the CPU with local APIC ID apicID; the runtime
// counts it in IRQCount(VecNMI) and resumes what it interrupted.
//
//go:linkname sendNMI runtime.clkSendNMI
func sendNMI(apicID uint32)

// CPUs returns the local APIC IDs of the running CPUs, the boot CPU first.
func CPUs() []uint32 {
	ids := make([]uint32, 256)
	return ids[:cpuList(ids)]
}

// SendIPI sends an inter-processor interrupt on vector to the CPU with
// local APIC ID apicID. Only device vectors (FirstDeviceVector to
// LastDeviceVector) may be sent.
func SendIPI(apicID uint32, vector uint8) error {
	if vector < FirstDeviceVector || vector > LastDeviceVector || !sendInterrupt(apicID, vector) {
		return fmt.Errorf("x86: vector %#x is reserved by the runtime", vector)
	}
	return nil
}

// CurrentAPICID returns the initial local APIC ID of the CPU the caller
// runs on (CPUID leaf 1, EBX[31:24]); the goroutine may move to another
// CPU right after.
func CurrentAPICID() uint32 {
	_, b, _, _ := cpuid(1, 0)
	return b >> 24
}
