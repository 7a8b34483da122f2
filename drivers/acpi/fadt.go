package acpi

import (
	"encoding/binary"
	"fmt"
)

// FADT holds the Fixed ACPI Description Table (5.2.9) fields clk uses.
type FADT struct {
	DSDT    uint64 // physical address of the DSDT
	PM1aCnt uint32 // I/O port of the PM1a control block
	PM1bCnt uint32 // and of PM1b, 0 if absent
	Century uint8  // CMOS index of the RTC century, 0 if none
}

// FADT field offsets (table 5.9).
const (
	fadtDSDT    = 40
	fadtPM1aCnt = 64
	fadtPM1bCnt = 68
	fadtCentury = 108
	fadtXDSDT   = 140
)

// FADT parses the "FACP" table.
func (t *Tables) FADT() (*FADT, error) {
	b, err := t.Find("FACP")
	if err != nil {
		return nil, err
	}
	if len(b) < fadtPM1bCnt+4 {
		return nil, fmt.Errorf("FACP: short table: %w", ErrCorrupt)
	}
	f := &FADT{
		DSDT:    uint64(binary.LittleEndian.Uint32(b[fadtDSDT:])),
		PM1aCnt: binary.LittleEndian.Uint32(b[fadtPM1aCnt:]),
		PM1bCnt: binary.LittleEndian.Uint32(b[fadtPM1bCnt:]),
	}
	if len(b) > fadtCentury {
		f.Century = b[fadtCentury]
	}
	if len(b) >= fadtXDSDT+8 {
		if x := binary.LittleEndian.Uint64(b[fadtXDSDT:]); x != 0 {
			f.DSDT = x
		}
	}
	return f, nil
}

// AML opcodes (20.2) needed to read the \_S5 package.
const (
	amlNameOp    = 0x08
	amlPackageOp = 0x12
	amlZeroOp    = 0x00
	amlOneOp     = 0x01
	amlBytePref  = 0x0a
)

// SleepS5 returns the SLP_TYPa and SLP_TYPb values of the soft-off state,
// read from the \_S5 object of the DSDT (7.4.2).
func (t *Tables) SleepS5(f *FADT) (a, b uint8, err error) {
	dsdt, err := t.read(f.DSDT, "DSDT")
	if err != nil {
		return 0, 0, err
	}
	return parseS5(dsdt[headerLen:])
}

func parseS5(aml []byte) (a, b uint8, err error) {
	for i := 0; i+5 < len(aml); i++ {
		if string(aml[i:i+4]) != "_S5_" || aml[i+4] != amlPackageOp {
			continue
		}
		if i > 0 && aml[i-1] != amlNameOp && aml[i-1] != '\\' {
			continue
		}
		p := aml[i+5:]
		// PkgLength (20.2.4): the top two bits of the lead byte count
		// the bytes that follow. Then NumElements.
		if skip := 2 + int(p[0]>>6); len(p) > skip {
			p = p[skip:]
		} else {
			return 0, 0, fmt.Errorf("DSDT: truncated \\_S5: %w", ErrCorrupt)
		}
		// SLP_TYPx is a 3-bit field of the PM1 control registers
		// (4.8.3.2.1); a larger value would spill into other bits.
		var vals [2]uint8
		for k := range vals {
			if len(p) == 0 {
				return 0, 0, fmt.Errorf("DSDT: truncated \\_S5: %w", ErrCorrupt)
			}
			switch p[0] {
			case amlZeroOp:
				vals[k], p = 0, p[1:]
			case amlOneOp:
				vals[k], p = 1, p[1:]
			case amlBytePref:
				if len(p) < 2 {
					return 0, 0, fmt.Errorf("DSDT: truncated \\_S5: %w", ErrCorrupt)
				}
				vals[k], p = p[1], p[2:]
			default:
				return 0, 0, fmt.Errorf("DSDT: \\_S5 element opcode %#x: %w", p[0], ErrCorrupt)
			}
			if vals[k] > maxSlpTyp {
				return 0, 0, fmt.Errorf("DSDT: \\_S5 sleep type %d above %d: %w", vals[k], maxSlpTyp, ErrCorrupt)
			}
		}
		return vals[0], vals[1], nil
	}
	return 0, 0, fmt.Errorf("DSDT: \\_S5: %w", ErrNotFound)
}
