package ps2

// KeyboardIRQ is the keyboard's ISA interrupt.
const KeyboardIRQ = 1

// More 8042 ports and status bits.
const (
	dataPort     = 0x60
	statusOutFul = 1 << 0 // output buffer full: a byte to read
	statusAux    = 1 << 5 // the byte is from the auxiliary (mouse) port
)

// Scan code set 1 (IBM PC/AT Technical Reference, keyboard scan codes).
const (
	scExtended = 0xe0 // prefix of the extended keys
	scRelease  = 0x80 // bit set in the code of a key's release
	scLCtrl    = 0x1d // also right Ctrl after scExtended
	scLShift   = 0x2a
	scRShift   = 0x36
	scCapsLock = 0x3a
	scHome     = 0x47
	scUp       = 0x48
	scLeft     = 0x4b
	scRight    = 0x4d
	scEnd      = 0x4f
	scDown     = 0x50
	scDelete   = 0x53
)

// setOne maps the set 1 codes of the main block to characters, without and
// with Shift; 0 means the key sends nothing by itself.
var setOne = [2][0x3a]byte{
	{
		0, 0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f, '\t',
		'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0, 'a', 's',
		'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
		'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
	},
	{
		0, 0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f, '\t',
		'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0, 'A', 'S',
		'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
		'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
	},
}

// cursorKeys are the sequences a terminal sends for the editing keys
// (ECMA-48 cursor keys, VT220 Delete). The keypad sends them too, as with
// Num Lock off.
var cursorKeys = map[byte]string{
	scUp: "\x1b[A", scDown: "\x1b[B", scRight: "\x1b[C", scLeft: "\x1b[D",
	scHome: "\x1b[H", scEnd: "\x1b[F", scDelete: "\x1b[3~",
}

// Decoder turns set 1 scan codes into terminal bytes, keeping the state of
// the modifier keys. The zero value is ready to use.
type Decoder struct {
	extended    bool
	lshift      bool
	rshift      bool
	ctrl, rctrl bool
	capsLock    bool
}

// Decode takes one scan code byte and returns the bytes it types, if any.
func (d *Decoder) Decode(code byte) []byte {
	if code == scExtended {
		d.extended = true
		return nil
	}
	ext := d.extended
	d.extended = false
	release := code&scRelease != 0
	key := code &^ scRelease
	switch {
	case key == scLCtrl && ext:
		d.rctrl = !release
		return nil
	case key == scLCtrl:
		d.ctrl = !release
		return nil
	case key == scLShift && !ext:
		d.lshift = !release
		return nil
	case key == scRShift && !ext:
		d.rshift = !release
		return nil
	case release:
		return nil
	case key == scCapsLock:
		d.capsLock = !d.capsLock
		return nil
	}
	if seq, ok := cursorKeys[key]; ok {
		return []byte(seq)
	}
	if ext {
		switch key {
		case 0x1c: // keypad Enter
			return []byte{'\r'}
		case 0x35: // keypad /
			return []byte{'/'}
		}
		return nil
	}
	if int(key) >= len(setOne[0]) {
		return nil
	}
	shift := d.lshift || d.rshift
	c := setOne[0][key]
	if shift {
		c = setOne[1][key]
	}
	if c == 0 {
		return nil
	}
	if d.capsLock && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
		c ^= 0x20
	}
	if (d.ctrl || d.rctrl) && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
		c &= 0x1f
	}
	return []byte{c}
}

// Keyboard is the PS/2 keyboard on the 8042 controller.
type Keyboard struct {
	bus Bus
	dec Decoder
	rx  chan byte
}

// NewKeyboard returns the keyboard behind bus. Nothing is read until Serve.
func NewKeyboard(bus Bus) *Keyboard {
	return &Keyboard{bus: bus, rx: make(chan byte, 256)}
}

// Serve reads the controller's output buffer and decodes the keyboard's
// bytes each time wait returns; wait blocks until the keyboard's interrupt
// fires. Bytes from the mouse port are dropped, and so are keys typed while
// the buffer is full. Serve runs until the program ends; start it in its
// own goroutine.
func (k *Keyboard) Serve(wait func()) {
	for {
		for {
			st := k.bus.In(statusPort)
			if st&statusOutFul == 0 {
				break
			}
			code := k.bus.In(dataPort)
			if st&statusAux != 0 {
				continue
			}
			for _, b := range k.dec.Decode(code) {
				select {
				case k.rx <- b:
				default:
				}
			}
		}
		wait()
	}
}

// ReadByte returns the next typed byte, blocking until there is one.
func (k *Keyboard) ReadByte() (byte, error) { return <-k.rx, nil }
