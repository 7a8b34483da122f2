package pci

import "sync"

// Ports is port I/O of 8, 16 and 32 bits.
type Ports interface {
	In(port uint16) uint8
	In16(port uint16) uint16
	In32(port uint16) uint32
	Out(port uint16, v uint8)
	Out16(port uint16, v uint16)
	Out32(port uint16, v uint32)
}

// The legacy configuration mechanism (PCI Local Bus Specification 3.0,
// 3.2.2.3.2): a 32-bit write to CONFIG_ADDRESS selects a function's dword,
// CONFIG_DATA then reads or writes it, one to four bytes wide at the byte
// the low bits of the offset name.
const (
	configAddress = 0xcf8
	configData    = 0xcfc
	configEnable  = 1 << 31
)

// PortConfig is configuration space through I/O ports 0xCF8 and 0xCFC. It
// reaches the first 256 bytes of each function.
type PortConfig struct {
	mu sync.Mutex // holds the address and data ports together
	io Ports
}

// NewPortConfig returns the legacy mechanism on io, or nil when no host
// bridge answers on CONFIG_ADDRESS: where it is present, the register
// holds what was written to it, enable bit included; elsewhere the port
// reads as all ones.
func NewPortConfig(io Ports) *PortConfig {
	old := io.In32(configAddress)
	io.Out32(configAddress, configEnable)
	got := io.In32(configAddress)
	io.Out32(configAddress, old)
	if got != configEnable {
		return nil
	}
	return &PortConfig{io: io}
}

// Size is 256: the legacy mechanism has eight bits of register number.
func (*PortConfig) Size() int { return legacySize }

// Method is "ports".
func (*PortConfig) Method() string { return "ports" }

// selectDword writes CONFIG_ADDRESS for the dword holding off and returns
// the data port of the byte off names. It reports false for an access the
// mechanism cannot make.
func (c *PortConfig) selectDword(a Addr, off uint16, n int) (uint16, bool) {
	if !a.valid() || !inRange(off, n, legacySize) {
		return 0, false
	}
	c.io.Out32(configAddress, configEnable|uint32(a.Bus)<<16|uint32(a.Device)<<11|uint32(a.Function)<<8|uint32(off&0xfc))
	return configData + off&3, true
}

// Read8 reads the byte at off.
func (c *PortConfig) Read8(a Addr, off uint16) uint8 {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.selectDword(a, off, 1)
	if !ok {
		return 0xff
	}
	return c.io.In(p)
}

// Read16 reads the word at off.
func (c *PortConfig) Read16(a Addr, off uint16) uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.selectDword(a, off, 2)
	if !ok {
		return 0xffff
	}
	return c.io.In16(p)
}

// Read32 reads the dword at off.
func (c *PortConfig) Read32(a Addr, off uint16) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.selectDword(a, off, 4)
	if !ok {
		return 0xffffffff
	}
	return c.io.In32(p)
}

// Write8 writes the byte at off.
func (c *PortConfig) Write8(a Addr, off uint16, v uint8) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.selectDword(a, off, 1); ok {
		c.io.Out(p, v)
	}
}

// Write16 writes the word at off.
func (c *PortConfig) Write16(a Addr, off uint16, v uint16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.selectDword(a, off, 2); ok {
		c.io.Out16(p, v)
	}
}

// Write32 writes the dword at off.
func (c *PortConfig) Write32(a Addr, off uint16, v uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.selectDword(a, off, 4); ok {
		c.io.Out32(p, v)
	}
}
