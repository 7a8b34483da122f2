package uart

import (
	"bytes"
	"testing"
)

// fakeUART is a 16550 with a receive FIFO and a transmitter that is always
// ready.
type fakeUART struct {
	rx  []byte
	tx  bytes.Buffer
	ier uint8
	mcr uint8
}

func (f *fakeUART) In(port uint16) uint8 {
	switch port - COM1 {
	case regLSR:
		s := uint8(lsrTxEmpty)
		if len(f.rx) > 0 {
			s |= lsrRxReady
		}
		return s
	case regData:
		c := f.rx[0]
		f.rx = f.rx[1:]
		return c
	}
	return 0
}

func (f *fakeUART) Out(port uint16, v uint8) {
	switch port - COM1 {
	case regData:
		f.tx.WriteByte(v)
	case regIER:
		f.ier = v
	case regMCR:
		f.mcr = v
	}
}

func TestServeDeliversEveryReceivedByteInOrder(t *testing.T) {
	f := &fakeUART{}
	p := New(f, COM1)
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
	if f.ier&ierRxAvail == 0 || f.mcr&mcrOut2 == 0 {
		t.Errorf("IER=%#x MCR=%#x: receive interrupt not enabled", f.ier, f.mcr)
	}
}

func TestWriteSendsBytes(t *testing.T) {
	f := &fakeUART{}
	p := New(f, COM1)
	p.Write([]byte("clk> "))
	if f.tx.String() != "clk> " {
		t.Errorf("sent %q", f.tx.String())
	}
}
