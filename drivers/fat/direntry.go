package fat

import (
	"encoding/binary"
	"time"
)

// Short directory entry fields (fatgen103, "FAT Directory Structure").
// Every entry is 32 bytes.
const (
	entrySize       = 32
	dirName         = 0  // 11 bytes: 8 of name, 3 of extension, space-padded
	dirAttr         = 11 // uint8
	dirNTRes        = 12 // uint8: Windows NT's lower-case flags
	dirCrtTimeTenth = 13 // uint8: 0-199, tenths of a second past CrtTime's even second
	dirCrtTime      = 14 // uint16
	dirCrtDate      = 16 // uint16
	dirLstAccDate   = 18 // uint16
	dirFstClusHI    = 20 // uint16
	dirWrtTime      = 22 // uint16
	dirWrtDate      = 24 // uint16
	dirFstClusLO    = 26 // uint16
	dirFileSize     = 28 // uint32
)

// Attribute bits (fatgen103, "FAT Directory Structure", DIR_Attr).
const (
	attrReadOnly  = 0x01
	attrHidden    = 0x02
	attrSystem    = 0x04
	attrVolumeID  = 0x08
	attrDirectory = 0x10
	attrArchive   = 0x20
	// A long-name entry has exactly these four bits of the low six set
	// (fatgen103, "FAT Long Directory Entries").
	attrLongName     = attrReadOnly | attrHidden | attrSystem | attrVolumeID
	attrLongNameMask = 0x3F
)

// The first byte of DIR_Name marks free slots (fatgen103, "FAT Directory
// Structure").
const (
	slotDeleted = 0xE5 // free; entries may follow
	slotEnd     = 0x00 // free, and so is every slot after it
	slotKanjiE5 = 0x05 // a name that really starts with byte 0xE5
)

// DIR_NTRes bits that Windows NT, Linux and mtools use to keep an all
// lower-case name or extension without long-name entries. They are read,
// never written: this package gives such names long-name entries.
const (
	ntLowerBase = 0x08
	ntLowerExt  = 0x10
)

// The names of every directory's first two entries but the root's.
var (
	dotName    = shortName{'.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}
	dotDotName = shortName{'.', '.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}
)

// entryFirst returns the first cluster an entry names.
func entryFirst(e []byte) uint32 {
	le := binary.LittleEndian
	return uint32(le.Uint16(e[dirFstClusHI:]))<<16 | uint32(le.Uint16(e[dirFstClusLO:]))
}

// setEntryFirst sets the first cluster of an entry.
func setEntryFirst(e []byte, c uint32) {
	le := binary.LittleEndian
	le.PutUint16(e[dirFstClusHI:], uint16(c>>16))
	le.PutUint16(e[dirFstClusLO:], uint16(c))
}

func entrySize32(e []byte) uint32 { return binary.LittleEndian.Uint32(e[dirFileSize:]) }

func setEntrySize(e []byte, n uint32) { binary.LittleEndian.PutUint32(e[dirFileSize:], n) }

// newShortEntry returns a short entry named s with attributes attr, first
// cluster first, created and written at t.
func newShortEntry(s shortName, attr byte, first uint32, t time.Time) [entrySize]byte {
	var e [entrySize]byte
	copy(e[dirName:], s[:])
	e[dirAttr] = attr
	date, tm, tenth := dosTime(t)
	le := binary.LittleEndian
	e[dirCrtTimeTenth] = tenth
	le.PutUint16(e[dirCrtTime:], tm)
	le.PutUint16(e[dirCrtDate:], date)
	le.PutUint16(e[dirLstAccDate:], date)
	setEntryModTime(e[:], t)
	setEntryFirst(e[:], first)
	return e
}

// setEntryModTime sets the write time and date, and the access date with
// them, so that a write is one change to the entry.
func setEntryModTime(e []byte, t time.Time) {
	date, tm, _ := dosTime(t)
	le := binary.LittleEndian
	le.PutUint16(e[dirWrtTime:], tm)
	le.PutUint16(e[dirWrtDate:], date)
	le.PutUint16(e[dirLstAccDate:], date)
}

// entryModTime returns the write time in loc.
func entryModTime(e []byte, loc *time.Location) time.Time {
	le := binary.LittleEndian
	return fromDOSTime(le.Uint16(e[dirWrtDate:]), le.Uint16(e[dirWrtTime:]), 0, loc)
}

// entryCreateTime returns the creation time in loc.
func entryCreateTime(e []byte, loc *time.Location) time.Time {
	le := binary.LittleEndian
	return fromDOSTime(le.Uint16(e[dirCrtDate:]), le.Uint16(e[dirCrtTime:]), e[dirCrtTimeTenth], loc)
}

// DOS dates count years from 1980 in seven bits (fatgen103, "Date and
// Time Formats"): day in bits 0-4, month in 5-8, year-1980 in 9-15; times
// have two-second units in bits 0-4, minutes in 5-10, hours in 11-15.
const (
	dosEpochYear = 1980
	dosLastYear  = dosEpochYear + 127
)

// dosTime encodes t, clamped to the years DOS dates reach, in t's own
// location.
func dosTime(t time.Time) (date, tm uint16, tenth uint8) {
	switch {
	case t.Year() < dosEpochYear:
		t = time.Date(dosEpochYear, 1, 1, 0, 0, 0, 0, t.Location())
	case t.Year() > dosLastYear:
		t = time.Date(dosLastYear, 12, 31, 23, 59, 58, 0, t.Location())
	}
	date = uint16(t.Year()-dosEpochYear)<<9 | uint16(t.Month())<<5 | uint16(t.Day())
	tm = uint16(t.Hour())<<11 | uint16(t.Minute())<<5 | uint16(t.Second()/2)
	tenth = uint8(t.Second()%2*100 + t.Nanosecond()/10_000_000)
	return date, tm, tenth
}

// fromDOSTime decodes a DOS date and time. Out-of-range fields, which
// other systems and damage leave, normalise the way time.Date does
// rather than fail.
func fromDOSTime(date, tm uint16, tenth uint8, loc *time.Location) time.Time {
	if date == 0 {
		return time.Date(dosEpochYear, 1, 1, 0, 0, 0, 0, loc)
	}
	ms := int(min(tenth, 199)) * 10
	return time.Date(int(date>>9)+dosEpochYear, time.Month(date>>5&0x0F), int(date&0x1F),
		int(tm>>11), int(tm>>5&0x3F), int(tm&0x1F)*2, ms*int(time.Millisecond), loc)
}
