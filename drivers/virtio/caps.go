package virtio

import (
	"errors"
	"fmt"
)

// The PCI configuration header as far as the capability walk needs it
// (PCI Local Bus Specification 3.0, 6.1, 6.2.2, 6.2.3, 6.7).
const (
	pciRegCommand  = 0x04
	pciRegStatus   = 0x06
	pciRegCapPtr   = 0x34
	pciStatusCaps  = 1 << 4 // the function has a capability list
	pciCmdMemory   = 1 << 1 // memory space decoding
	pciCmdMaster   = 1 << 2 // bus mastering: the device may DMA
	pciHeaderEnd   = 0x40   // capabilities lie between here and pciConfigSize
	pciConfigSize  = 256
	pciCapVendor   = 0x09 // vendor-specific: virtio's structures
	pciCapPtrAlign = 3    // the low two bits of a pointer are reserved
)

// struct virtio_pci_cap (4.1.4): after the generic ID and next pointer,
// cap_len, cfg_type and bar, then the structure's offset and length in
// the BAR; the notification capability adds notify_off_multiplier
// (4.1.4.4).
const (
	vcapLen        = 2
	vcapType       = 3
	vcapBAR        = 4
	vcapOffset     = 8
	vcapLength     = 12
	vcapMultiplier = 16
	vcapSize       = 16 // sizeof(struct virtio_pci_cap)
	vcapNotifySize = 20 // sizeof(struct virtio_pci_notify_cap)
	vcapMaxBAR     = 5  // bar values above are reserved
)

// cfg_type values (4.1.4). The PCI configuration access structure (5),
// shared memory (8) and vendor data (9) are of no use to these drivers
// and are skipped like reserved values.
const (
	cfgCommon = 1
	cfgNotify = 2
	cfgISR    = 3
	cfgDevice = 4
)

// capability is one virtio structure capability as read from
// configuration space: where it is, and where its structure lies.
type capability struct {
	at         uint8 // offset of the capability in configuration space
	cfgType    uint8
	bar        uint8
	offset     uint64
	length     uint64
	multiplier uint32 // notify_off_multiplier, for cfgNotify
	// fault, if not nil, is why the structure cannot be used whatever
	// its BAR holds.
	fault error
}

// virtioCaps walks the capability list and returns the virtio structure
// capabilities it holds, in list order, which is the device's order of
// preference (4.1.4). Capabilities with a reserved cfg_type or bar are
// left out, as 4.1.4.1 requires, and so are vendor-specific capabilities
// too short to be a virtio structure, which the driver cannot know.
//
// The list is the device's to write: a pointer into the header, a loop,
// or an entry running past byte 255 ends the walk with an error wrapping
// ErrMalformed. Pointers are bytes and each offset is visited once, so
// the walk reads at most 48 entries, all within the first 256 bytes.
func virtioCaps(cfg ConfigSpace) ([]capability, error) {
	if cfg.Read16(pciRegStatus)&pciStatusCaps == 0 {
		return nil, nil
	}
	var caps []capability
	var seen [pciConfigSize / 4]bool
	for p := int(cfg.Read8(pciRegCapPtr)) &^ pciCapPtrAlign; p != 0; {
		if p < pciHeaderEnd {
			return nil, fmt.Errorf("capability pointer %#x into the header: %w", p, ErrMalformed)
		}
		if seen[p/4] {
			return nil, fmt.Errorf("capability list loops at %#x: %w", p, ErrMalformed)
		}
		seen[p/4] = true
		next := int(cfg.Read8(p+1)) &^ pciCapPtrAlign
		if cfg.Read8(p) != pciCapVendor {
			p = next
			continue
		}
		n := int(cfg.Read8(p + vcapLen))
		if n < vcapSize {
			p = next
			continue
		}
		if p+n > pciConfigSize {
			return nil, fmt.Errorf("capability at %#x of %d bytes runs past configuration space: %w", p, n, ErrMalformed)
		}
		c := capability{
			at:      uint8(p),
			cfgType: cfg.Read8(p + vcapType),
			bar:     cfg.Read8(p + vcapBAR),
			offset:  uint64(cfg.Read32(p + vcapOffset)),
			length:  uint64(cfg.Read32(p + vcapLength)),
		}
		p = next
		if c.cfgType < cfgCommon || c.cfgType > cfgDevice || c.bar > vcapMaxBAR {
			continue
		}
		if c.cfgType == cfgNotify {
			if n < vcapNotifySize {
				c.fault = fmt.Errorf("%d bytes, no notify_off_multiplier: %w", n, ErrMalformed)
			} else {
				c.multiplier = cfg.Read32(int(c.at) + vcapMultiplier)
			}
		}
		caps = append(caps, c)
	}
	return caps, nil
}

// What each structure must be: the alignment of its offset and the
// length the package reads. The common configuration is read up to
// queue_device (4.1.4.3: offset 4-byte aligned; queue_notify_data and
// queue_reset exist only with features the package does not accept),
// the notification structure at least one 16-bit notify (4.1.4.4.1:
// 2-byte aligned), the ISR one byte (4.1.4.5, no alignment); the
// device-specific configuration is 4-byte aligned (4.1.4.6.1) and as
// long as the device says.
var structureRules = map[uint8]struct {
	name   string
	align  uint64
	minLen uint64
}{
	cfgCommon: {"common configuration", 4, commonLen},
	cfgNotify: {"notification", 2, 2},
	cfgISR:    {"ISR status", 1, 1},
	cfgDevice: {"device configuration", 4, 0},
}

// mapper maps the BARs the structures lie in, each once.
type mapper struct {
	bars BARs
	regs [vcapMaxBAR + 1]Registers
	size [vcapMaxBAR + 1]uint64
	err  [vcapMaxBAR + 1]error
	done [vcapMaxBAR + 1]bool
}

func (m *mapper) bar(i int) (Registers, uint64, error) {
	if !m.done[i] {
		m.done[i] = true
		r, n, err := m.bars.BAR(i)
		if err == nil && r == nil {
			err = fmt.Errorf("BAR%d maps to nothing: %w", i, ErrMalformed)
		}
		m.regs[i], m.size[i], m.err[i] = r, n, err
	}
	return m.regs[i], m.size[i], m.err[i]
}

// errNoStructure says the device presents no capability of a type.
var errNoStructure = errors.New("no capability")

// pick returns the window of the first capability of type t that the
// package can use (4.1.4.1: the first instance it can support): aligned,
// long enough, in a BAR that maps and inside it. When none can be used it
// returns why the first could not, or errNoStructure if there is none.
func (m *mapper) pick(caps []capability, t uint8) (window, capability, error) {
	rule := structureRules[t]
	var first error
	for _, c := range caps {
		if c.cfgType != t {
			continue
		}
		w, err := m.check(c, rule.align, rule.minLen)
		if err == nil {
			return w, c, nil
		}
		if first == nil {
			first = fmt.Errorf("%s capability at %#x: %w", rule.name, c.at, err)
		}
	}
	if first == nil {
		return window{}, capability{}, fmt.Errorf("%s: %w", rule.name, errNoStructure)
	}
	return window{}, capability{}, first
}

func (m *mapper) check(c capability, align, minLen uint64) (window, error) {
	if c.fault != nil {
		return window{}, c.fault
	}
	if c.offset%align != 0 {
		return window{}, fmt.Errorf("offset %#x not %d-byte aligned: %w", c.offset, align, ErrMalformed)
	}
	if c.length < minLen {
		return window{}, fmt.Errorf("length %d, less than %d: %w", c.length, minLen, ErrMalformed)
	}
	if c.cfgType == cfgNotify && !validMultiplier(c.multiplier) {
		return window{}, fmt.Errorf("notify_off_multiplier %d: %w", c.multiplier, ErrMalformed)
	}
	regs, size, err := m.bar(int(c.bar))
	if err != nil {
		return window{}, fmt.Errorf("BAR%d: %w", c.bar, err)
	}
	if c.offset > size || c.length > size-c.offset {
		return window{}, fmt.Errorf("BAR%d+%#x, %d bytes, outside the BAR's %d: %w", c.bar, c.offset, c.length, size, ErrMalformed)
	}
	return window{regs: regs, base: uintptr(c.offset), size: uintptr(c.length)}, nil
}

// validMultiplier reports whether a notify_off_multiplier keeps every
// queue's notify address 2-byte aligned for its 16-bit write. 4.1.4.4.1
// asks for 0 or an even power of two; any power of two from 2 keeps the
// alignment, and that is what the package needs.
func validMultiplier(m uint32) bool {
	return m == 0 || m >= 2 && m&(m-1) == 0
}
