package netstacktest

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func frame(n byte) []byte {
	f := make([]byte, ethernetHeader+4)
	f[ethernetHeader] = n
	return f
}

func TestFramesArriveInOrderAsCopies(t *testing.T) {
	a, b := Pipe()
	defer a.Close()
	got := make(chan []byte, 10)
	b.Attach(func(f []byte) { got <- f })
	for i := range byte(10) {
		f := frame(i)
		if err := a.WriteFrame(f); err != nil {
			t.Fatalf("WriteFrame %d: %v", i, err)
		}
		f[ethernetHeader] = 0xff // the writer reuses its buffer
	}
	for i := range byte(10) {
		if f := <-got; !bytes.Equal(f, frame(i)) {
			t.Fatalf("frame %d arrived as % x", i, f)
		}
	}
}

func TestFilterDropsFrames(t *testing.T) {
	a, b := Pipe()
	defer a.Close()
	got := make(chan []byte, 2)
	b.Attach(func(f []byte) { got <- f })
	a.SetFilter(func(f []byte) bool { return f[ethernetHeader] != 1 })
	for i := range byte(3) {
		a.WriteFrame(frame(i))
	}
	if f := <-got; f[ethernetHeader] != 0 {
		t.Errorf("first frame delivered: %d, want 0", f[ethernetHeader])
	}
	if f := <-got; f[ethernetHeader] != 2 {
		t.Errorf("second frame delivered: %d, want 2 (1 was filtered)", f[ethernetHeader])
	}
}

func TestFullQueueDropsAfterWaiting(t *testing.T) {
	a, b := Pipe()
	defer a.Close()
	for i := range queueFrames {
		if err := a.WriteFrame(frame(byte(i))); err != nil {
			t.Fatalf("WriteFrame %d: %v", i, err)
		}
	}
	began := time.Now()
	if err := a.WriteFrame(frame(0)); err != nil {
		t.Fatalf("WriteFrame to a full queue: %v", err)
	}
	if d := time.Since(began); d < fullWait {
		t.Errorf("gave up after %v, before fullWait", d)
	}
	if a.Dropped() != 1 || b.Dropped() != 0 {
		t.Errorf("Dropped a %d b %d, want 1 and 0", a.Dropped(), b.Dropped())
	}
}

func TestClosedPipeRefusesFrames(t *testing.T) {
	a, b := Pipe()
	b.Attach(func([]byte) {})
	a.Close()
	for _, l := range []*Link{a, b} {
		if err := l.WriteFrame(frame(0)); !errors.Is(err, ErrClosed) {
			t.Errorf("WriteFrame after Close: err = %v, want ErrClosed", err)
		}
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOversizeFrameIsRefused(t *testing.T) {
	a, _ := Pipe()
	defer a.Close()
	if err := a.WriteFrame(make([]byte, ethernetHeader+MTU+1)); err == nil {
		t.Errorf("WriteFrame of %d bytes succeeded", ethernetHeader+MTU+1)
	}
}
