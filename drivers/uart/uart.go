package uart

import "io"

// Register offsets from the port's base (PC16550D, table 2).
const (
	regData = 0 // receive/transmit buffer
	regIER  = 1 // interrupt enable
	regIIR  = 2 // interrupt identification
	regLCR  = 3
	regMCR  = 4
	regLSR  = 5 // line status

	ierRxAvail = 1 << 0
	mcrOut2    = 1 << 3 // gates the interrupt line on PCs
	mcrDTRRTS  = 0x03
	lsrRxReady = 1 << 0
	lsrTxEmpty = 1 << 5
)

// COM1 is the first serial port's I/O base; its ISA interrupt is 4.
const (
	COM1    = 0x3f8
	COM1IRQ = 4
)

// Bus is how the driver reaches the port's registers.
type Bus interface {
	In(port uint16) uint8
	Out(port uint16, v uint8)
}

// Port is one serial port.
type Port struct {
	bus  Bus
	base uint16
	rx   chan byte

	// key and onKey are a byte taken out of the input and what it runs:
	// the console's way to reach the kernel when nothing reads it.
	key   byte
	onKey func()
}

// New returns the port at base. The line settings are left as the runtime
// set them (115200 8N1); interrupts are off until Serve.
func New(bus Bus, base uint16) *Port {
	return &Port{bus: bus, base: base, rx: make(chan byte, 4096)}
}

// Intercept makes the byte key run f instead of reaching readers. f runs
// in a goroutine of its own, so a terminal whose reader is stuck still
// gets it; set it before Serve.
func (p *Port) Intercept(key byte, f func()) {
	p.key, p.onKey = key, f
}

// Serve enables the receive interrupt and moves received bytes into the
// port's buffer each time wait returns; wait blocks until the port's
// interrupt fires. Serve runs until the program ends; start it in its own
// goroutine. Bytes that arrive while the buffer is full are dropped, as a
// terminal line with no flow control does.
func (p *Port) Serve(wait func()) {
	p.bus.Out(p.base+regMCR, mcrDTRRTS|mcrOut2)
	p.bus.Out(p.base+regIER, ierRxAvail)
	for {
		p.drain()
		wait()
	}
}

func (p *Port) drain() {
	p.bus.In(p.base + regIIR) // acknowledge
	for p.bus.In(p.base+regLSR)&lsrRxReady != 0 {
		c := p.bus.In(p.base + regData)
		if p.onKey != nil && c == p.key {
			go p.onKey()
			continue
		}
		select {
		case p.rx <- c:
		default:
		}
	}
}

// ReadByte returns the next received byte, blocking until there is one.
func (p *Port) ReadByte() (byte, error) {
	return <-p.rx, nil
}

// Read returns at least one received byte.
func (p *Port) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	b[0] = <-p.rx
	n := 1
	for n < len(b) {
		select {
		case c := <-p.rx:
			b[n] = c
			n++
		default:
			return n, nil
		}
	}
	return n, nil
}

// Write sends b, waiting for room in the transmitter.
func (p *Port) Write(b []byte) (int, error) {
	for _, c := range b {
		for p.bus.In(p.base+regLSR)&lsrTxEmpty == 0 {
		}
		p.bus.Out(p.base+regData, c)
	}
	return len(b), nil
}

var _ io.ReadWriter = (*Port)(nil)
