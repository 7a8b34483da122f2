package x86

// Port I/O, in portio_amd64.s. Each is one IN or OUT instruction.

// Inb reads a byte from an I/O port.
func Inb(port uint16) uint8

// Outb writes a byte to an I/O port.
func Outb(port uint16, v uint8)

// Inw reads a 16-bit word from an I/O port.
func Inw(port uint16) uint16

// Outw writes a 16-bit word to an I/O port.
func Outw(port uint16, v uint16)

// Inl reads a 32-bit word from an I/O port.
func Inl(port uint16) uint32

// Outl writes a 32-bit word to an I/O port.
func Outl(port uint16, v uint32)

// Ports is the processor's I/O port space as drivers take it: In and Out
// for bytes (the console drivers' buses, uart, ps2 and vga, have only
// these), and the 16- and 32-bit accesses PCI's configuration ports need.
type Ports struct{}

func (Ports) In(port uint16) uint8        { return Inb(port) }
func (Ports) Out(port uint16, v uint8)    { Outb(port, v) }
func (Ports) In16(port uint16) uint16     { return Inw(port) }
func (Ports) In32(port uint16) uint32     { return Inl(port) }
func (Ports) Out16(port uint16, v uint16) { Outw(port, v) }
func (Ports) Out32(port uint16, v uint32) { Outl(port, v) }
