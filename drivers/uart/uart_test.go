package uart

import (
	"bytes"
	"testing"
)

// fakeUART is a 16550 at the COM1 base, 0x3f8, written from the PC16550D
// datasheet rather than from the driver's constants: registers (table 2,
// with DLAB = 0) at base+0 receive buffer / transmit holding, +1
// interrupt enable, +2 interrupt identification, +4 modem control, +5
// line status. The transmitter takes a byte and is busy until the line
// status has been read once more, so a driver that writes without
// waiting for THRE (line status bit 5) overruns it.
type fakeUART struct {
	rx      []byte
	tx      bytes.Buffer
	ier     uint8
	mcr     uint8
	busy    bool // the transmit holding register is full
	overrun int  // bytes written while busy
	badRead int  // receive buffer reads with no data ready
}

func (f *fakeUART) In(port uint16) uint8 {
	switch port {
	case 0x3fd: // line status: bit 0 data ready, bit 5 THRE, bit 6 TEMT
		var s uint8
		if !f.busy {
			s |= 1<<5 | 1<<6
		}
		f.busy = false
		if len(f.rx) > 0 {
			s |= 1 << 0
		}
		return s
	case 0x3f8: // receive buffer
		if len(f.rx) == 0 {
			f.badRead++
			return 0
		}
		c := f.rx[0]
		f.rx = f.rx[1:]
		return c
	case 0x3fa: // interrupt identification: bit 0 set, none pending
		return 0x01
	}
	return 0
}

func (f *fakeUART) Out(port uint16, v uint8) {
	switch port {
	case 0x3f8: // transmit holding
		if f.busy {
			f.overrun++
		}
		f.tx.WriteByte(v)
		f.busy = true
	case 0x3f9:
		f.ier = v
	case 0x3fc:
		f.mcr = v
	}
}

func TestServeDeliversEveryReceivedByteInOrder(t *testing.T) {
	f := &fakeUART{}
	p := New(f, 0x3f8)
	irq := make(chan []byte)
	done := make(chan struct{})
	go p.Serve(func() {
		b, ok := <-irq
		if !ok {
			close(done)
			select {}
		}
		f.rx = append(f.rx, b...)
	})
	irq <- []byte("hel")
	irq <- []byte("lo\n")
	got := make([]byte, 0, 6)
	for len(got) < 6 {
		c, _ := p.ReadByte()
		got = append(got, c)
	}
	close(irq)
	<-done
	if string(got) != "hello\n" {
		t.Errorf("read %q, want %q", got, "hello\n")
	}
	if f.badRead != 0 {
		t.Errorf("read the receive buffer %d times with no data ready", f.badRead)
	}
	// IER bit 0 enables the received-data interrupt and nothing else;
	// MCR bits 0 and 1 raise DTR and RTS, bit 3 (OUT2) gates the
	// interrupt line to the PIC or I/O APIC on PCs.
	if f.ier != 0x01 || f.mcr != 0x0b {
		t.Errorf("IER=%#x MCR=%#x, want IER 0x01 and MCR 0x0b", f.ier, f.mcr)
	}
}

func TestInterceptedKeyRunsItsFunctionAndIsNotRead(t *testing.T) {
	f := &fakeUART{}
	p := New(f, 0x3f8)
	pressed := make(chan struct{}, 2)
	p.Intercept(0x1c, func() { pressed <- struct{}{} })
	irq := make(chan []byte)
	go p.Serve(func() { f.rx = append(f.rx, <-irq...) })
	irq <- []byte("a\x1cb")
	<-pressed
	for _, want := range []byte("ab") {
		if c, _ := p.ReadByte(); c != want {
			t.Fatalf("read %q, want %q: the intercepted key must not reach readers", c, want)
		}
	}
	select {
	case <-pressed:
		t.Error("the key ran its function twice")
	default:
	}
}

func TestWriteWaitsForTheTransmitter(t *testing.T) {
	f := &fakeUART{}
	p := New(f, 0x3f8)
	if n, err := p.Write([]byte("clk> ")); n != 5 || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	if f.tx.String() != "clk> " {
		t.Errorf("sent %q", f.tx.String())
	}
	if f.overrun != 0 {
		t.Errorf("%d bytes written while the transmitter was busy", f.overrun)
	}
}
