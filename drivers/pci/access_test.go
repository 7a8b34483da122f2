package pci

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// fakePorts is a host bridge's legacy configuration mechanism (PCI Local
// Bus Specification 3.0, 3.2.2.3.2) over a fakeBus: CONFIG_ADDRESS at
// 0xcf8 holds the enable bit 31, the bus in bits 23:16, the device in
// 15:11, the function in 10:8 and the dword's register number in 7:2;
// CONFIG_DATA at 0xcfc to 0xcff reads and writes that dword's bytes.
type fakePorts struct {
	bus     *fakeBus
	address uint32
	absent  bool // no host bridge: every port floats at all ones
}

func (p *fakePorts) target(port uint16, n int) (Addr, uint16, bool) {
	if p.address&(1<<31) == 0 || port < 0xcfc || int(port-0xcfc)+n > 4 {
		return Addr{}, 0, false
	}
	a := Addr{Bus: uint8(p.address >> 16), Device: uint8(p.address >> 11 & 0x1f), Function: uint8(p.address >> 8 & 7)}
	return a, uint16(p.address&0xfc) + port - 0xcfc, true
}

func (p *fakePorts) in(port uint16, n int) uint32 {
	ones := uint32(0xffffffff) >> (32 - 8*n)
	if p.absent {
		return ones
	}
	if port == 0xcf8 && n == 4 {
		return p.address
	}
	if a, off, ok := p.target(port, n); ok {
		return p.bus.read(a, off, n)
	}
	return ones
}

func (p *fakePorts) out(port uint16, n int, v uint32) {
	if p.absent {
		return
	}
	if port == 0xcf8 && n == 4 {
		p.address = v
		return
	}
	if a, off, ok := p.target(port, n); ok {
		p.bus.write(a, off, n, v)
	}
}

func (p *fakePorts) In(port uint16) uint8        { return uint8(p.in(port, 1)) }
func (p *fakePorts) In16(port uint16) uint16     { return uint16(p.in(port, 2)) }
func (p *fakePorts) In32(port uint16) uint32     { return p.in(port, 4) }
func (p *fakePorts) Out(port uint16, v uint8)    { p.out(port, 1, uint32(v)) }
func (p *fakePorts) Out16(port uint16, v uint16) { p.out(port, 2, uint32(v)) }
func (p *fakePorts) Out32(port uint16, v uint32) { p.out(port, 4, v) }

// fakeECAM is memory-mapped configuration space (PCI Express Base
// Specification 7.2.2): address bits 27:20 are the bus, 19:15 the device,
// 14:12 the function and 11:0 the register, from the region's start,
// which is the bus startBus.
type fakeECAM struct {
	bus      *fakeBus
	startBus uint8
}

func (m fakeECAM) target(off uintptr) (Addr, uint16) {
	return Addr{Bus: m.startBus + uint8(off>>20), Device: uint8(off >> 15 & 0x1f), Function: uint8(off >> 12 & 7)}, uint16(off & 0xfff)
}

func (m fakeECAM) Read8(off uintptr) uint8 {
	a, r := m.target(off)
	return uint8(m.bus.read(a, r, 1))
}
func (m fakeECAM) Read16(off uintptr) uint16 {
	a, r := m.target(off)
	return uint16(m.bus.read(a, r, 2))
}
func (m fakeECAM) Read32(off uintptr) uint32 {
	a, r := m.target(off)
	return m.bus.read(a, r, 4)
}
func (m fakeECAM) Write8(off uintptr, v uint8) {
	a, r := m.target(off)
	m.bus.write(a, r, 1, uint32(v))
}
func (m fakeECAM) Write16(off uintptr, v uint16) {
	a, r := m.target(off)
	m.bus.write(a, r, 2, uint32(v))
}
func (m fakeECAM) Write32(off uintptr, v uint32) {
	a, r := m.target(off)
	m.bus.write(a, r, 4, v)
}

// The same machine enumerated through the ports and through ECAM gives
// what the fake's direct view gives.
func TestPortsAndECAMReachTheSameFunctions(t *testing.T) {
	direct := Enumerate(pcLike())

	bus := pcLike()
	ports := NewPortConfig(&fakePorts{bus: bus})
	if ports == nil {
		t.Fatal("NewPortConfig found no host bridge")
	}
	if got := Enumerate(ports); !reflect.DeepEqual(got, direct) {
		t.Errorf("through the ports:\n%+v\nwant\n%+v", got, direct)
	}
	if len(bus.hot) != 0 {
		t.Errorf("through the ports, BARs sized with decoding on: %v", bus.hot)
	}

	bus = pcLike()
	ecam, err := NewECAM(fakeECAM{bus: bus}, 0, 255)
	if err != nil {
		t.Fatal(err)
	}
	if got := Enumerate(ecam); !reflect.DeepEqual(got, direct) {
		t.Errorf("through ECAM:\n%+v\nwant\n%+v", got, direct)
	}
}

func TestNoHostBridgeOnThePorts(t *testing.T) {
	if c := NewPortConfig(&fakePorts{bus: newBus(), absent: true}); c != nil {
		t.Errorf("NewPortConfig = %v where CONFIG_ADDRESS floats", c)
	}
}

// Each access reaches the bytes the specification puts at its offset, at
// every width; the legacy mechanism stops at 256 bytes where ECAM goes on
// to 4096, and neither takes unaligned accesses.
func TestAccessWidthsAndLimits(t *testing.T) {
	bus := newBus()
	a := Addr{Bus: 3, Device: 0x1f, Function: 6}
	f := bus.add(a, device(0x8086, 0x2918, 0x06, 0x01, 0, false))
	binary.LittleEndian.PutUint32(f.space[0x100:], 0x12345678) // an extended capability header
	ports := NewPortConfig(&fakePorts{bus: bus})
	ecam, _ := NewECAM(fakeECAM{bus: bus, startBus: 2}, 2, 3)
	for _, c := range []Config{ports, ecam} {
		if v := c.Read32(a, 0x00); v != 0x29188086 {
			t.Errorf("%s: Read32(0) = %#x, want device:vendor 0x29188086", c.Method(), v)
		}
		if v := c.Read16(a, 0x02); v != 0x2918 {
			t.Errorf("%s: Read16(2) = %#x", c.Method(), v)
		}
		if v := c.Read8(a, 0x0b); v != 0x06 {
			t.Errorf("%s: Read8(0x0b) = %#x", c.Method(), v)
		}
		if v := c.Read8(a, 0x0a); v != 0x01 {
			t.Errorf("%s: Read8(0x0a) = %#x", c.Method(), v)
		}
		c.Write8(a, 0x3c, 0x0b)
		c.Write16(a, 0x3e, 0xbeef)
		if v := c.Read32(a, 0x3c); v != 0xbeef000b {
			t.Errorf("%s: after byte and word writes, Read32(0x3c) = %#x, want 0xbeef000b", c.Method(), v)
		}
		c.Write32(a, 0x3c, 0)
		if v := c.Read16(a, 0x01); v != 0xffff {
			t.Errorf("%s: unaligned Read16(1) = %#x, want all ones", c.Method(), v)
		}
		if v := c.Read32(a, 0xfe); v != 0xffffffff {
			t.Errorf("%s: unaligned Read32(0xfe) = %#x, want all ones", c.Method(), v)
		}
		if v := c.Read16(Addr{Bus: 3, Device: 32}, 0); v != 0xffff {
			t.Errorf("%s: device 32 = %#x, want all ones", c.Method(), v)
		}
	}
	if v := ports.Read32(a, 0x100); v != 0xffffffff {
		t.Errorf("ports: Read32(0x100) = %#x, want all ones: the mechanism has 256 bytes", v)
	}
	if v := ecam.Read32(a, 0x100); v != 0x12345678 {
		t.Errorf("ECAM: Read32(0x100) = %#x, want 0x12345678", v)
	}
	if v := ecam.Read16(Addr{Bus: 1}, 0); v != 0xffff {
		t.Errorf("ECAM: bus 1, below the region's buses, = %#x, want all ones", v)
	}
	if v := ecam.Read16(Addr{Bus: 4}, 0); v != 0xffff {
		t.Errorf("ECAM: bus 4, above the region's buses, = %#x, want all ones", v)
	}
	if _, err := NewECAM(fakeECAM{bus: bus}, 5, 4); err == nil {
		t.Error("NewECAM took buses 5 to 4")
	}
	if off, size := ECAMWindow(2, 3); off != 2<<20 || size != 2<<20 {
		t.Errorf("ECAMWindow(2, 3) = %#x, %#x; want 2 MiB at 2 MiB", off, size)
	}
}
