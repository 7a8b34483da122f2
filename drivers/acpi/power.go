package acpi

import (
	"errors"
	"fmt"
)

// PortWriter writes 16-bit I/O ports.
type PortWriter func(port uint16, v uint16)

// PM1 control register bits (4.8.3.2.1): SLP_TYPx is bits 10-12, SLP_EN
// bit 13.
const (
	slpTypShift = 10
	maxSlpTyp   = 7
	slpEn       = 1 << 13
)

// PowerOff enters the soft-off state S5 by writing its sleep type with
// SLP_EN to the PM1 control registers. On success the machine stops and the
// call does not return; an error says why the tables do not allow it.
func (t *Tables) PowerOff(out PortWriter) error {
	f, err := t.FADT()
	if err != nil {
		return fmt.Errorf("power off: %w", err)
	}
	if f.PM1aCnt == 0 || f.PM1aCnt > 0xffff {
		return errors.New("power off: no PM1a control block")
	}
	a, b, err := t.SleepS5(f)
	if err != nil {
		return fmt.Errorf("power off: %w", err)
	}
	out(uint16(f.PM1aCnt), uint16(a)<<slpTypShift|slpEn)
	if f.PM1bCnt != 0 && f.PM1bCnt <= 0xffff {
		out(uint16(f.PM1bCnt), uint16(b)<<slpTypShift|slpEn)
	}
	return ErrStillRunning
}

// ErrStillRunning is PowerOff's error once it has written the sleep
// command: a chipset may act on it a moment later, so the caller may wait
// before it tries something else.
var ErrStillRunning = errors.New("power off: the machine is still running")
