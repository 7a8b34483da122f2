package fat

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Long names (fatgen103, "FAT Long Directory Entries" and "Name Limits
// and Character Sets"): up to 255 UTF-16 code units, 13 to an entry, in
// at most 20 entries before the short entry they belong to.
const (
	maxNameUnits   = 255
	lfnUnits       = 13
	maxLFNEntries  = 20
	lfnOrd         = 0  // uint8: the entry's number, 1 upwards from the short entry
	lfnName1       = 1  // five UTF-16 units
	lfnChksum      = 13 // uint8: checksum of the short name
	lfnName2       = 14 // six units
	lfnName3       = 28 // two units
	lfnLastFlag    = 0x40
	lfnOrdMask     = 0x1F
	lfnTerminator  = 0x0000
	lfnPadding     = 0xFFFF
	maxShortTail   = 999999
	shortBaseBytes = 8
	shortExtBytes  = 3
)

// lfnUnitOffsets are where an entry's 13 units lie.
var lfnUnitOffsets = [lfnUnits]int{
	lfnName1, lfnName1 + 2, lfnName1 + 4, lfnName1 + 6, lfnName1 + 8,
	lfnName2, lfnName2 + 2, lfnName2 + 4, lfnName2 + 6, lfnName2 + 8, lfnName2 + 10,
	lfnName3, lfnName3 + 2,
}

// checkName reports whether a name can be given to a new entry. Besides
// the characters FAT forbids (fatgen103, "Name Limits and Character
// Sets": control characters and "*/:<>?\|), it refuses DEL, names ending
// in a dot or a space, which Windows would silently trim into another
// name, and "." and "..".
func checkName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%q: %s: %w", name, why, ErrBadName) }
	switch {
	case name == "":
		return bad("empty")
	case name == "." || name == "..":
		return bad("reserved")
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		return bad("ends in a dot or a space")
	}
	units := 0
	for _, r := range name {
		if r < 0x20 || r == 0x7F || strings.ContainsRune(`"*/:<>?\|`, r) {
			return bad(fmt.Sprintf("character %q is not allowed", r))
		}
		units += utf16.RuneLen(r)
	}
	if units > maxNameUnits {
		return bad(fmt.Sprintf("%d UTF-16 units, more than %d", units, maxNameUnits))
	}
	return nil
}

// fold is the key names are compared by: FAT lookup ignores case.
func fold(name string) string {
	return strings.Map(unicode.ToUpper, name)
}

// shortName is an 8.3 name as stored: eight bytes of name and three of
// extension, both padded with spaces.
type shortName [11]byte

// String returns the name as "NAME.EXT". Bytes above 0x7F, which only
// other systems write, read as ISO 8859-1: that keeps names distinct
// whatever code page wrote them.
func (s shortName) String() string { return s.display(0) }

// display returns the name with the NT lower-case flags of DIR_NTRes
// applied.
func (s shortName) display(nt byte) string {
	base := strings.TrimRight(string(latin1(s[:8])), " ")
	ext := strings.TrimRight(string(latin1(s[8:])), " ")
	if s[0] == slotKanjiE5 {
		base = "\u00e5" + base[1:]
	}
	if nt&ntLowerBase != 0 {
		base = strings.ToLower(base)
	}
	if nt&ntLowerExt != 0 {
		ext = strings.ToLower(ext)
	}
	if ext == "" {
		return base
	}
	return base + "." + ext
}

func latin1(b []byte) []rune {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return r
}

// shortChar reports whether r may appear in a short name this package
// writes: upper-case letters, digits and the punctuation fatgen103 allows
// ("FAT Directory Structure", DIR_Name). Space, allowed inside stored
// short names, is left out: names with spaces get a numeric tail.
func shortChar(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'()-@^_`{}~", r)
}

// exactShort returns the short name of a name that is already a valid
// upper-case 8.3 name, which needs no long-name entries.
func exactShort(name string) (shortName, bool) {
	var s shortName
	base, ext, dot := strings.Cut(name, ".")
	if len(base) == 0 || len(base) > shortBaseBytes || len(ext) > shortExtBytes || dot && ext == "" {
		return s, false
	}
	for _, r := range base + ext {
		if !shortChar(r) {
			return s, false
		}
	}
	copy(s[:], strings.Repeat(" ", 11))
	copy(s[:8], base)
	copy(s[8:], ext)
	return s, true
}

// basisName derives a short name from a long one (fatgen103, "Basis-Name
// Generation Algorithm"): upper case, characters short names cannot hold
// replaced by '_', spaces and leading dots dropped, the part before the
// last dot cut to 8 and the part after it to 3. exact is true when
// nothing was lost, and the short name then needs no numeric tail.
func basisName(name string) (s shortName, exact bool) {
	exact = true
	up := fold(name)
	trimmed := strings.TrimLeft(up, ".")
	if trimmed != up {
		exact = false
	}
	base, ext := trimmed, ""
	if i := strings.LastIndexByte(trimmed, '.'); i >= 0 {
		base, ext = trimmed[:i], trimmed[i+1:]
	}
	conv := func(part string, n int) []byte {
		var out []byte
		for _, r := range part {
			switch {
			case r == ' ' || r == '.':
				exact = false
				continue
			case !shortChar(r):
				exact = false
				r = '_'
			}
			if len(out) == n {
				exact = false
				break
			}
			out = append(out, byte(r))
		}
		return out
	}
	b, e := conv(base, shortBaseBytes), conv(ext, shortExtBytes)
	if len(b) == 0 {
		b, exact = []byte{'_'}, false
	}
	copy(s[:], strings.Repeat(" ", 11))
	copy(s[:8], b)
	copy(s[8:], e)
	return s, exact
}

// withTail returns basis with the numeric tail "~n" (fatgen103, "Numeric-
// Tail Generation Algorithm"), the name part cut to make room.
func withTail(basis shortName, n int) shortName {
	tail := "~" + strconv.Itoa(n)
	base := strings.TrimRight(string(basis[:8]), " ")
	base = base[:min(len(base), shortBaseBytes-len(tail))]
	s := basis
	copy(s[:8], strings.Repeat(" ", 8))
	copy(s[:8], base+tail)
	return s
}

// checksum is the short-name checksum every long-name entry carries
// (fatgen103, "FAT Long Directory Entries"): an 8-bit rotate right, then
// add, over the 11 bytes.
func checksum(s shortName) byte {
	var sum byte
	for _, b := range s {
		sum = (sum>>1 | sum<<7) + b
	}
	return sum
}

// lfnEntries returns the long-name entries for name, in the order they
// are stored: the highest numbered, marked last, first.
func lfnEntries(name string, sum byte) [][entrySize]byte {
	units := utf16.Encode([]rune(name))
	n := (len(units) + lfnUnits - 1) / lfnUnits
	out := make([][entrySize]byte, n)
	for k := range n {
		ord := n - k // entry k on disk holds part ord-1 of the name
		e := &out[k]
		e[lfnOrd] = byte(ord)
		if k == 0 {
			e[lfnOrd] |= lfnLastFlag
		}
		e[dirAttr] = attrLongName
		e[lfnChksum] = sum
		for i, off := range lfnUnitOffsets {
			u := uint16(lfnPadding)
			switch j := (ord-1)*lfnUnits + i; {
			case j < len(units):
				u = units[j]
			case j == len(units):
				u = lfnTerminator
			}
			e[off], e[off+1] = byte(u), byte(u>>8)
		}
	}
	return out
}

// lfnPart appends the 13 units of a long-name entry to units.
func lfnPart(units []uint16, e []byte) []uint16 {
	for _, off := range lfnUnitOffsets {
		units = append(units, uint16(e[off])|uint16(e[off+1])<<8)
	}
	return units
}

// lfnName turns the units of a complete long name, in order, into a
// string: it ends at the first 0x0000, padding after it is ignored, and
// unpaired surrogates become U+FFFD.
func lfnName(units []uint16) string {
	for i, u := range units {
		if u == lfnTerminator {
			units = units[:i]
			break
		}
	}
	for len(units) > 0 && units[len(units)-1] == lfnPadding {
		units = units[:len(units)-1]
	}
	return string(utf16.Decode(units))
}
