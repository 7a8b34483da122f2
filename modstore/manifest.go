package modstore

import (
	"clk/abi"
	"cmp"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CurrentABI is the ABI version of the kernel in this tree, the one a
// module built here declares. Package abi carries no version number of its
// own yet; this is the number a change to the ABI that breaks built
// modules increments, until abi holds one.
const CurrentABI = 2

// Bounds of a manifest's fields.
const (
	// MaxName is the longest module or service name.
	MaxName = 64
	// MaxDevices is the most devices one manifest asks for.
	MaxDevices = 64
	// MaxServices is the most names in each of provides and uses.
	MaxServices = 32
	// MaxMemory is the largest memory limit a manifest may declare.
	MaxMemory = 1 << 40
)

// Manifest describes a module: who it is, the ABI it was built for, what
// it asks the kernel for, and the hash of its ELF. Its binary encoding
// (MarshalBinary) is canonical: one manifest has one encoding, and that
// encoding is what a module's signature covers. The JSON form is for
// people and for clkmod's input; it is never signed.
type Manifest struct {
	// Name is the module's name: 1 to MaxName bytes of a-z, 0-9, '.',
	// '-' and '_', the first a letter or a digit.
	Name string `json:"name"`
	// Version is the module's version; anti-rollback compares it.
	Version Version `json:"version"`
	// ABI is the ABI version the module was built for.
	ABI uint32 `json:"abi"`
	// Memory is the most memory the module's process may hold, in bytes:
	// at least a page, at most MaxMemory.
	Memory uint64 `json:"memory"`
	// Threads is the most threads the module's process may run: 1 to
	// abi.MaxThreads.
	Threads uint32 `json:"threads"`
	// Devices are the PCI devices the module asks for, in canonical order
	// (Normalize sorts them).
	Devices []Device `json:"devices,omitempty"`
	// Provides are the services the module serves, sorted.
	Provides []string `json:"provides,omitempty"`
	// Uses are the services the module is a client of, sorted.
	Uses []string `json:"uses,omitempty"`
	// ELFSHA256 is the SHA-256 of the module's ELF.
	ELFSHA256 Digest `json:"elf_sha256"`
}

// Digest is a SHA-256 hash; its text form is lower-case hex.
type Digest [32]byte

// String returns d in hex.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// MarshalText returns d in hex.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses 64 hex digits.
func (d *Digest) UnmarshalText(text []byte) error {
	if len(text) != 2*len(d) {
		return fmt.Errorf("sha256: %d hex digits, want %d", len(text), 2*len(d))
	}
	_, err := hex.Decode(d[:], text)
	return err
}

// Normalize puts m's lists into canonical order and drops duplicates, as
// MarshalBinary requires.
func (m *Manifest) Normalize() {
	slices.SortFunc(m.Devices, Device.compare)
	m.Devices = slices.Compact(m.Devices)
	slices.Sort(m.Provides)
	m.Provides = slices.Compact(m.Provides)
	slices.Sort(m.Uses)
	m.Uses = slices.Compact(m.Uses)
}

// Validate checks every field of m against its rules; the error wraps
// ErrBadManifest and names the field.
func (m *Manifest) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadManifest, fmt.Sprintf(format, args...))
	}
	if err := checkName(m.Name); err != nil {
		return bad("name: %v", err)
	}
	if m.Memory < abi.PageSize || m.Memory > MaxMemory {
		return bad("memory limit %d bytes outside [%d, %d]", m.Memory, abi.PageSize, uint64(MaxMemory))
	}
	if m.Threads < 1 || m.Threads > abi.MaxThreads {
		return bad("thread limit %d outside [1, %d]", m.Threads, abi.MaxThreads)
	}
	if len(m.Devices) > MaxDevices {
		return bad("%d devices, at most %d", len(m.Devices), MaxDevices)
	}
	for i, d := range m.Devices {
		if err := d.check(); err != nil {
			return bad("device %d: %v", i, err)
		}
		if i > 0 && m.Devices[i-1].compare(d) >= 0 {
			return bad("devices not in canonical order or repeated at %v", d)
		}
	}
	for _, list := range []struct {
		field string
		names []string
	}{{"provides", m.Provides}, {"uses", m.Uses}} {
		if len(list.names) > MaxServices {
			return bad("%s: %d services, at most %d", list.field, len(list.names), MaxServices)
		}
		for i, s := range list.names {
			if err := checkName(s); err != nil {
				return bad("%s: service %q: %v", list.field, s, err)
			}
			if i > 0 && list.names[i-1] >= s {
				return bad("%s: not sorted or repeated at %q", list.field, s)
			}
		}
	}
	return nil
}

// checkName checks a module or service name.
func checkName(s string) error {
	if len(s) < 1 || len(s) > MaxName {
		return fmt.Errorf("length %d outside [1, %d]", len(s), MaxName)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '-' && c != '_') {
			return fmt.Errorf("byte %d (%q) not allowed: a name is a-z, 0-9, '.', '-', '_' and starts with a letter or a digit", i, c)
		}
	}
	return nil
}

// MarshalBinary returns m's canonical encoding, after checking it:
//
//	u8 n, n bytes     name
//	u32 × 3           version: major, minor, patch
//	u32               ABI version
//	u64               memory limit in bytes
//	u32               thread limit
//	32 bytes          SHA-256 of the ELF
//	u16 d, d × 5      devices: u8 kind, u16, u16 (Device)
//	u8 p, p × string  provides: u8 length, bytes
//	u8 u, u × string  uses: u8 length, bytes
//
// All integers are little-endian; the lists are sorted without repeats.
func (m *Manifest) MarshalBinary() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b := appendString(nil, m.Name)
	b = appendU32(b, m.Version.Major)
	b = appendU32(b, m.Version.Minor)
	b = appendU32(b, m.Version.Patch)
	b = appendU32(b, m.ABI)
	b = appendU64(b, m.Memory)
	b = appendU32(b, m.Threads)
	b = append(b, m.ELFSHA256[:]...)
	b = appendU16(b, uint16(len(m.Devices)))
	for _, d := range m.Devices {
		b = d.append(b)
	}
	for _, list := range [][]string{m.Provides, m.Uses} {
		b = append(b, uint8(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes and checks a manifest encoded by MarshalBinary;
// it accepts only the canonical encoding.
func (m *Manifest) UnmarshalBinary(b []byte) error {
	d := newDecoder(b)
	var n Manifest
	n.Name = d.string()
	n.Version = Version{d.U32(), d.U32(), d.U32()}
	n.ABI = d.U32()
	n.Memory = d.U64()
	n.Threads = d.U32()
	copy(n.ELFSHA256[:], d.Bytes(len(n.ELFSHA256)))
	count := int(d.U16())
	if count > MaxDevices {
		return fmt.Errorf("%w: %d devices, at most %d", ErrBadManifest, count, MaxDevices)
	}
	for i := 0; i < count && !d.Short; i++ {
		dev, err := decodeDevice(d)
		if err != nil {
			return fmt.Errorf("%w: device %d: %v", ErrBadManifest, i, err)
		}
		n.Devices = append(n.Devices, dev)
	}
	for _, list := range []*[]string{&n.Provides, &n.Uses} {
		count := int(d.U8())
		for i := 0; i < count && !d.Short; i++ {
			*list = append(*list, d.string())
		}
	}
	if d.Short {
		return fmt.Errorf("%w: ends inside a field", ErrBadManifest)
	}
	if d.Rest() != 0 {
		return fmt.Errorf("%w: %d bytes after the last field", ErrBadManifest, d.Rest())
	}
	if err := n.Validate(); err != nil {
		return err
	}
	*m = n
	return nil
}

// Version is a module version, major.minor.patch, compared numerically
// field by field. There are no pre-release or build suffixes: every
// version a module is published with must be orderable against the
// others.
type Version struct {
	Major, Minor, Patch uint32
}

// ParseVersion parses "major.minor.patch", each a decimal number without
// a sign or leading zeros.
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("version %q: want major.minor.patch", s)
	}
	var f [3]uint32
	for i, p := range parts {
		if p == "" || len(p) > 1 && p[0] == '0' {
			return Version{}, fmt.Errorf("version %q: field %q is not a number without leading zeros", s, p)
		}
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return Version{}, fmt.Errorf("version %q: field %q: %w", s, p, err)
		}
		f[i] = uint32(n)
	}
	return Version{f[0], f[1], f[2]}, nil
}

// String returns "major.minor.patch".
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than
// w.
func (v Version) Compare(w Version) int {
	return cmp.Or(cmp.Compare(v.Major, w.Major), cmp.Compare(v.Minor, w.Minor), cmp.Compare(v.Patch, w.Patch))
}

// MarshalText returns v's string.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText parses a version with ParseVersion.
func (v *Version) UnmarshalText(text []byte) error {
	w, err := ParseVersion(string(text))
	if err != nil {
		return err
	}
	*v = w
	return nil
}

// DeviceKind says how a Device names PCI functions.
type DeviceKind uint8

// The kinds of Device.
const (
	// ByClass names functions by their PCI class code's base class and
	// subclass (PCI Local Bus Specification 3.0, section 6.2.1 and
	// appendix D).
	ByClass DeviceKind = 1
	// ByID names functions by vendor and device ID.
	ByID DeviceKind = 2
)

// AnySubclass in Device.Subclass matches every subclass of the class.
const AnySubclass = 0xffff

// Device names the PCI functions a module asks for. Its text form is
// "class:CC" (any subclass), "class:CC:SS" or "id:VVVV:DDDD", in hex.
type Device struct {
	Kind DeviceKind
	// Class and Subclass are the base class and subclass (ByClass);
	// Subclass is AnySubclass or at most 0xff.
	Class, Subclass uint16
	// VendorID and DeviceID identify the function (ByID).
	VendorID, DeviceID uint16
}

// fields returns the two numbers d encodes after its kind.
func (d Device) fields() (uint16, uint16) {
	if d.Kind == ByClass {
		return d.Class, d.Subclass
	}
	return d.VendorID, d.DeviceID
}

func (d Device) compare(e Device) int {
	a, b := d.fields()
	x, y := e.fields()
	return cmp.Or(cmp.Compare(d.Kind, e.Kind), cmp.Compare(a, x), cmp.Compare(b, y))
}

func (d Device) append(b []byte) []byte {
	x, y := d.fields()
	return appendU16(appendU16(append(b, uint8(d.Kind)), x), y)
}

func decodeDevice(dec *decoder) (Device, error) {
	d := Device{Kind: DeviceKind(dec.U8())}
	x, y := dec.U16(), dec.U16()
	switch d.Kind {
	case ByClass:
		d.Class, d.Subclass = x, y
	case ByID:
		d.VendorID, d.DeviceID = x, y
	default:
		if !dec.Short {
			return d, fmt.Errorf("kind %d, want %d (class) or %d (id)", d.Kind, ByClass, ByID)
		}
	}
	return d, d.check()
}

// check checks d's fields against its kind.
func (d Device) check() error {
	switch d.Kind {
	case ByClass:
		if d.Class > 0xff || d.Subclass > 0xff && d.Subclass != AnySubclass || d.VendorID != 0 || d.DeviceID != 0 {
			return fmt.Errorf("class %#x subclass %#x: out of range", d.Class, d.Subclass)
		}
	case ByID:
		if d.Class != 0 || d.Subclass != 0 {
			return fmt.Errorf("id %04x:%04x with a class", d.VendorID, d.DeviceID)
		}
	default:
		return fmt.Errorf("kind %d, want %d (class) or %d (id)", d.Kind, ByClass, ByID)
	}
	return nil
}

// Covers reports whether a grant of d covers a request for r: the same
// device, or a class with AnySubclass covering each of its subclasses. A
// class never covers an ID: which class a vendor:device pair has is the
// hardware's to say, not the manifest's.
func (d Device) Covers(r Device) bool {
	if d.Kind == ByClass && r.Kind == ByClass && d.Class == r.Class && d.Subclass == AnySubclass {
		return true
	}
	return d == r
}

// String returns d's text form.
func (d Device) String() string {
	switch {
	case d.Kind == ByClass && d.Subclass == AnySubclass:
		return fmt.Sprintf("class:%02x", d.Class)
	case d.Kind == ByClass:
		return fmt.Sprintf("class:%02x:%02x", d.Class, d.Subclass)
	case d.Kind == ByID:
		return fmt.Sprintf("id:%04x:%04x", d.VendorID, d.DeviceID)
	}
	return fmt.Sprintf("kind%d", d.Kind)
}

// ParseDevice parses d's text form.
func ParseDevice(s string) (Device, error) {
	parts := strings.Split(s, ":")
	num := func(p string, digits int) (uint16, error) {
		if len(p) != digits {
			return 0, fmt.Errorf("device %q: %q is not %d hex digits", s, p, digits)
		}
		n, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return 0, fmt.Errorf("device %q: %q is not %d hex digits", s, p, digits)
		}
		return uint16(n), nil
	}
	var d Device
	var err, err2 error
	switch {
	case parts[0] == "class" && len(parts) == 2:
		d = Device{Kind: ByClass, Subclass: AnySubclass}
		d.Class, err = num(parts[1], 2)
	case parts[0] == "class" && len(parts) == 3:
		d = Device{Kind: ByClass}
		d.Class, err = num(parts[1], 2)
		d.Subclass, err2 = num(parts[2], 2)
	case parts[0] == "id" && len(parts) == 3:
		d = Device{Kind: ByID}
		d.VendorID, err = num(parts[1], 4)
		d.DeviceID, err2 = num(parts[2], 4)
	default:
		return d, fmt.Errorf("device %q: want class:CC, class:CC:SS or id:VVVV:DDDD", s)
	}
	if err := cmp.Or(err, err2); err != nil {
		return Device{}, err
	}
	return d, nil
}

// MarshalText returns d's text form.
func (d Device) MarshalText() ([]byte, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	return []byte(d.String()), nil
}

// UnmarshalText parses d's text form.
func (d *Device) UnmarshalText(text []byte) error {
	e, err := ParseDevice(string(text))
	if err != nil {
		return err
	}
	*d = e
	return nil
}
