package x86

import (
	"runtime"
	"testing"
	"unsafe"
)

// Each accessor touches exactly the bytes of its width, little-endian, at
// its address: a word write next to bytes leaves them alone.
func TestMMIOAccessWidths(t *testing.T) {
	buf := make([]byte, 8)
	for i := range buf {
		buf[i] = 0xaa
	}
	base := uintptr(unsafe.Pointer(&buf[0]))
	mmioWrite16(base+2, 0x1234)
	mmioWrite8(base+5, 0x56)
	want := []byte{0xaa, 0xaa, 0x34, 0x12, 0xaa, 0x56, 0xaa, 0xaa}
	if string(buf) != string(want) {
		t.Errorf("after a word write at 2 and a byte write at 5: % x, want % x", buf, want)
	}
	if v := mmioRead16(base + 2); v != 0x1234 {
		t.Errorf("mmioRead16 = %#x, want 0x1234", v)
	}
	if v := mmioRead8(base + 3); v != 0x12 {
		t.Errorf("mmioRead8 = %#x, want 0x12", v)
	}
	runtime.KeepAlive(buf)
}
