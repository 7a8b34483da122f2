package proc

import (
	"encoding/binary"
	"fmt"
)

// Frame is one frame of a user stack trace.
type Frame struct {
	// PC is the frame's program counter: the faulting instruction for
	// the innermost frame, a return address for the others.
	PC uint64
	// Func is the function holding PC, or "" if unknown.
	Func string
	// Off is PC's offset in Func.
	Off uint64
}

// String formats the frame as "main.main+0x1d 0x7f000017a75d", or the
// bare PC when its function is unknown.
func (f Frame) String() string {
	if f.Func == "" {
		return fmt.Sprintf("%#x", f.PC)
	}
	return fmt.Sprintf("%s+%#x %#x", f.Func, f.Off, f.PC)
}

// StackTrace walks the frame-pointer chain of a stopped thread of s whose
// registers are rip and rbp, as Go code on amd64 keeps it: [rbp] holds the
// caller's rbp and [rbp+8] the return address. It returns at most maxFrames
// frames, innermost first, the first at rip, and stops early at a frame
// it cannot read, a zero return address, or a caller's rbp that is not
// above the current one. Each PC is symbolized with img, which may be nil;
// a return address is looked up one byte back, so that a call that ends
// its function is charged to that function.
func StackTrace(s *Space, img *Image, rip, rbp uint64, maxFrames int) []Frame {
	if maxFrames <= 0 {
		return nil
	}
	frames := []Frame{frame(img, rip, rip)}
	var link [16]byte
	for len(frames) < maxFrames && rbp != 0 {
		if err := s.CopyIn(link[:], rbp); err != nil {
			break
		}
		next := binary.LittleEndian.Uint64(link[0:])
		ret := binary.LittleEndian.Uint64(link[8:])
		if ret == 0 {
			break
		}
		frames = append(frames, frame(img, ret, ret-1))
		if next <= rbp {
			break
		}
		rbp = next
	}
	return frames
}

// frame returns the frame at pc, symbolized by looking up at.
func frame(img *Image, pc, at uint64) Frame {
	name, off, ok := img.Symbolize(at)
	if !ok {
		return Frame{PC: pc}
	}
	return Frame{PC: pc, Func: name, Off: off + (pc - at)}
}
