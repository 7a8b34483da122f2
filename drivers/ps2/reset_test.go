package ps2

import (
	"errors"
	"testing"
)

type fakeBus struct {
	busyReads int // status reads that report the input buffer full
	writes    [][2]uint16
}

func (b *fakeBus) In(port uint16) uint8 {
	if port == statusPort && b.busyReads > 0 {
		b.busyReads--
		return statusInFull
	}
	return 0
}

func (b *fakeBus) Out(port uint16, v uint8) { b.writes = append(b.writes, [2]uint16{port, uint16(v)}) }

func TestResetWaitsForTheControllerThenPulsesTheResetLine(t *testing.T) {
	b := &fakeBus{busyReads: 3}
	err := Reset(b)
	if !errors.Is(err, ErrNoReset) {
		t.Errorf("err %v, want ErrNoReset from a machine that went on running", err)
	}
	if b.busyReads != 0 {
		t.Errorf("sent the command while the controller was busy")
	}
	if len(b.writes) != 1 || b.writes[0] != [2]uint16{0x64, 0xfe} {
		t.Errorf("writes %x, want one 0xfe to port 0x64", b.writes)
	}
}
