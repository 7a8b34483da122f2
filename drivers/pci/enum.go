package pci

import (
	"errors"
	"fmt"
	"slices"
)

// Function is one PCI function as Enumerate found it.
type Function struct {
	Addr
	// VendorID and DeviceID identify the function (DeviceID is not
	// Addr.Device, its slot on the bus).
	VendorID, DeviceID                uint16
	Class, Subclass, ProgIF, Revision uint8
	// Layout is the header layout: 0 for a device, 1 for a PCI-to-PCI
	// bridge, 2 for a CardBus bridge.
	Layout        uint8
	MultiFunction bool // device number with more than function 0
	// SecondaryBus and SubordinateBus are a bridge's: the bus right
	// below it and the highest bus behind it.
	SecondaryBus, SubordinateBus uint8

	BARs []BAR
	// IRQPin is the INTx pin the function uses, 1 to 4 for INTA# to
	// INTD#, 0 for none; IRQLine is what firmware wrote for it.
	IRQPin, IRQLine uint8
	Capabilities    []Capability
	MSI             *MSI  // nil without an MSI capability
	MSIX            *MSIX // nil without an MSI-X capability

	// Err says what of the configuration space is malformed (wrapping
	// ErrMalformed); what could be read around it is in the fields.
	Err error
}

// IsBridge reports whether the function is a PCI-to-PCI bridge.
func (f *Function) IsBridge() bool { return f.Layout == headerBridge }

// ClassName is a short name for the function's class.
func (f *Function) ClassName() string { return ClassName(f.Class, f.Subclass) }

// Details describes the function beyond its address, IDs and class, one
// line per item, as lspci -v shows it: revision, bus numbers of a bridge,
// BARs, interrupts, capabilities and what is malformed.
func (f *Function) Details() []string {
	d := []string{fmt.Sprintf("revision 0x%02x, prog-if 0x%02x", f.Revision, f.ProgIF)}
	if f.IsBridge() {
		d = append(d, fmt.Sprintf("buses: secondary %02x, subordinate %02x", f.SecondaryBus, f.SubordinateBus))
	}
	for _, b := range f.BARs {
		d = append(d, b.String())
	}
	if f.IRQPin >= 1 && f.IRQPin <= 4 {
		d = append(d, fmt.Sprintf("interrupt: pin INT%c, line %d", 'A'+f.IRQPin-1, f.IRQLine))
	}
	if f.MSI != nil {
		d = append(d, f.MSI.String())
	}
	if f.MSIX != nil {
		d = append(d, f.MSIX.String())
	}
	if len(f.Capabilities) > 0 {
		s := "capabilities:"
		for _, c := range f.Capabilities {
			s += fmt.Sprintf(" 0x%02x@0x%02x", c.ID, c.Offset)
		}
		d = append(d, s)
	}
	if f.Err != nil {
		d = append(d, "malformed: "+f.Err.Error())
	}
	return d
}

// Enumerate finds the functions reachable from bus 0 through cfg, in
// address order. Each bus is scanned once, whatever the bridges say.
func Enumerate(cfg Config) []Function {
	w := &walker{cfg: cfg}
	w.bus(0)
	slices.SortFunc(w.fns, func(x, y Function) int { return x.Addr.order() - y.Addr.order() })
	return w.fns
}

type walker struct {
	cfg  Config
	seen [256]bool
	fns  []Function
}

// bus scans the 32 devices of bus b, the functions of each multi-function
// device, and the buses below its bridges.
func (w *walker) bus(b uint8) {
	if w.seen[b] {
		return
	}
	w.seen[b] = true
	for d := uint8(0); d < 32; d++ {
		a := Addr{Bus: b, Device: d}
		if w.cfg.Read16(a, regVendor) == noVendor {
			continue
		}
		n := uint8(1)
		if w.cfg.Read8(a, regHeaderType)&headerMultiFunction != 0 {
			n = 8
		}
		for fn := uint8(0); fn < n; fn++ {
			a.Function = fn
			if w.cfg.Read16(a, regVendor) == noVendor {
				continue
			}
			f := w.function(a)
			w.fns = append(w.fns, f)
			// A secondary bus at or above this one's would be a
			// loop or firmware that numbered nothing.
			if f.IsBridge() && f.SecondaryBus > b {
				w.bus(f.SecondaryBus)
			}
		}
	}
}

// function reads the function at a.
func (w *walker) function(a Addr) Function {
	cfg := w.cfg
	ht := cfg.Read8(a, regHeaderType)
	f := Function{
		Addr:          a,
		VendorID:      cfg.Read16(a, regVendor),
		DeviceID:      cfg.Read16(a, regDevice),
		Revision:      cfg.Read8(a, regRevision),
		ProgIF:        cfg.Read8(a, regProgIF),
		Subclass:      cfg.Read8(a, regSubclass),
		Class:         cfg.Read8(a, regClass),
		Layout:        ht & headerLayout,
		MultiFunction: ht&headerMultiFunction != 0,
	}
	var errs []error
	capPtr := uint16(regCapPtr)
	switch f.Layout {
	case headerNormal:
	case headerBridge:
		f.SecondaryBus = cfg.Read8(a, regSecondaryBus)
		f.SubordinateBus = cfg.Read8(a, regSubordinateBus)
	case headerCardBus:
		capPtr = regCardBusCapPtr
	default:
		errs = append(errs, fmt.Errorf("%v: header layout %d: %w", a, f.Layout, ErrMalformed))
		f.Err = errors.Join(errs...)
		return f
	}
	// Turning a host bridge's decoding off could cut the CPU's way to
	// memory, and an ISA bridge's the kernel's way to the legacy devices
	// behind it (the serial console among them, which interrupts may use
	// meanwhile): their registers are sized with decoding on.
	bridgeToKeep := f.Class == 0x06 && (f.Subclass == 0x00 || f.Subclass == 0x01)
	bars, err := sizeBARs(cfg, a, barCount(f.Layout), bridgeToKeep)
	f.BARs = bars
	errs = append(errs, err)
	f.IRQLine = cfg.Read8(a, regIRQLine)
	f.IRQPin = cfg.Read8(a, regIRQPin)
	if f.IRQPin > 4 {
		errs = append(errs, fmt.Errorf("%v: interrupt pin %d: %w", a, f.IRQPin, ErrMalformed))
	}
	f.Capabilities, err = walkCaps(cfg, a, capPtr)
	errs = append(errs, err)
	for _, c := range f.Capabilities {
		switch {
		case c.ID == CapMSI && f.MSI == nil:
			f.MSI, err = decodeMSI(cfg, a, c.Offset)
			errs = append(errs, err)
		case c.ID == CapMSIX && f.MSIX == nil:
			f.MSIX, err = decodeMSIX(cfg, a, c.Offset)
			errs = append(errs, err)
			if f.MSIX != nil {
				errs = append(errs, checkMSIX(a, f.MSIX, f.BARs))
			}
		}
	}
	f.Err = errors.Join(errs...)
	return f
}

// ClassName is a short name for the common class codes (PCI Code and ID
// Assignment Specification, chapter 1), and "other" with the class and
// subclass in hex for the rest.
func ClassName(class, subclass uint8) string {
	switch uint16(class)<<8 | uint16(subclass) {
	case 0x0100:
		return "SCSI/virtio block"
	case 0x0101:
		return "IDE"
	case 0x0106:
		return "SATA"
	case 0x0108:
		return "NVMe"
	case 0x0200:
		return "Ethernet"
	case 0x0300:
		return "VGA"
	case 0x0600:
		return "host bridge"
	case 0x0601:
		return "ISA bridge"
	case 0x0604:
		return "PCI bridge"
	case 0x0c03:
		return "USB"
	case 0x0c05:
		return "SMBus"
	}
	return fmt.Sprintf("other %02x%02x", class, subclass)
}
