package ps2

import (
	"testing"
	"time"
)

func decodeAll(d *Decoder, codes ...byte) string {
	var out []byte
	for _, c := range codes {
		out = append(out, d.Decode(c)...)
	}
	return string(out)
}

func TestScanCodesTypeWhatTheKeysSay(t *testing.T) {
	const shiftDown, shiftUp, ctrlDown, ctrlUp = 0x2a, 0xaa, 0x1d, 0x9d
	cases := []struct {
		name  string
		codes []byte
		want  string
	}{
		{"letters and release codes", []byte{0x12, 0x92, 0x2e, 0xae, 0x23, 0xa3, 0x18, 0x98}, "echo"},
		{"shift", []byte{0x1e, shiftDown, 0x1e, 0x02, shiftUp, 0x1e}, "aA!a"},
		{"ctrl-c and ctrl-a", []byte{ctrlDown, 0x2e, 0x1e, ctrlUp, 0x2e}, "\x03\x01c"},
		{"right ctrl", []byte{0xe0, 0x1d, 0x2e, 0xe0, 0x9d}, "\x03"},
		{"enter, backspace, space, tab", []byte{0x1c, 0x0e, 0x39, 0x0f}, "\r\x7f \t"},
		{"arrows and the editing block", []byte{0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x4b, 0xe0, 0x47, 0xe0, 0x4f, 0xe0, 0x53}, "\x1b[A\x1b[D\x1b[H\x1b[F\x1b[3~"},
		{"caps lock", []byte{0x3a, 0xba, 0x1e, 0x02, 0x3a, 0x1e}, "A1a"},
		{"pipe and ampersand", []byte{shiftDown, 0x2b, 0x08, shiftUp}, "|&"},
	}
	for _, c := range cases {
		var d Decoder
		if got := decodeAll(&d, c.codes...); got != c.want {
			t.Errorf("%s: typed %q, want %q", c.name, got, c.want)
		}
	}
}

// scriptedController hands out queued bytes with their status.
type scriptedController struct {
	queue []struct{ status, data uint8 }
}

func (c *scriptedController) In(port uint16) uint8 {
	if len(c.queue) == 0 {
		return 0
	}
	if port == statusPort {
		return c.queue[0].status | statusOutFul
	}
	d := c.queue[0].data
	c.queue = c.queue[1:]
	return d
}

func (c *scriptedController) Out(uint16, uint8) {}

func TestServeDecodesKeyboardBytesAndDropsMouseBytes(t *testing.T) {
	c := &scriptedController{queue: []struct{ status, data uint8 }{
		{0, 0x17}, {statusAux, 0x08}, {statusAux, 0x17}, {0, 0x97}, {0, 0x31},
	}}
	k := NewKeyboard(c)
	block := make(chan struct{})
	go k.Serve(func() { <-block })
	got := make([]byte, 0, 2)
	for range 2 {
		select {
		case b := <-k.rx:
			got = append(got, b)
		case <-time.After(5 * time.Second):
			t.Fatalf("typed %q, then nothing", got)
		}
	}
	if string(got) != "in" {
		t.Errorf("typed %q, want in", got)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0x2a, 0x1e, 0xaa, 0xe0, 0x48, 0x1d, 0x2e, 0x9d})
	f.Fuzz(func(t *testing.T, codes []byte) {
		var d Decoder
		for _, c := range codes {
			for _, b := range d.Decode(c) {
				if b >= 0x80 {
					t.Fatalf("codes %x typed byte %#x", codes, b)
				}
			}
		}
	})
}
