package virtio_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"clk/drivers/virtio"
	"clk/drivers/virtio/virtiotest"
)

// rawConfig is a configuration space of 256 bytes that counts its reads.
type rawConfig struct {
	b     [256]byte
	reads int
}

func (c *rawConfig) read(off, n int) uint32 {
	c.reads++
	if off < 0 || off%n != 0 || off+n > len(c.b) {
		panic(fmt.Sprintf("configuration read of %d bytes at %#x", n, off))
	}
	var v uint32
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint32(c.b[off+i])
	}
	return v
}

func (c *rawConfig) Read8(off int) uint8   { return uint8(c.read(off, 1)) }
func (c *rawConfig) Read16(off int) uint16 { return uint16(c.read(off, 2)) }
func (c *rawConfig) Read32(off int) uint32 { return c.read(off, 4) }

// sparseBAR is a BAR of any size whose registers are memory, failing the
// test on an access that is misaligned or not inside it.
type sparseBAR struct {
	t    *testing.T
	i    int
	size uint64
	mem  map[uintptr]byte
}

func (b *sparseBAR) check(off uintptr, n uintptr) {
	if off%n != 0 || uint64(off) > b.size || uint64(n) > b.size-uint64(off) {
		b.t.Fatalf("BAR%d of %d bytes: access of %d bytes at %#x", b.i, b.size, n, off)
	}
}

func (b *sparseBAR) get(off, n uintptr) uint32 {
	b.check(off, n)
	var v uint32
	for i := n; i > 0; i-- {
		v = v<<8 | uint32(b.mem[off+i-1])
	}
	return v
}

func (b *sparseBAR) set(off, n uintptr, v uint32) {
	b.check(off, n)
	for i := range n {
		b.mem[off+i] = byte(v >> (8 * i))
	}
}

func (b *sparseBAR) Read8(off uintptr) uint8       { return uint8(b.get(off, 1)) }
func (b *sparseBAR) Read16(off uintptr) uint16     { return uint16(b.get(off, 2)) }
func (b *sparseBAR) Read32(off uintptr) uint32     { return b.get(off, 4) }
func (b *sparseBAR) Write8(off uintptr, v uint8)   { b.set(off, 1, uint32(v)) }
func (b *sparseBAR) Write16(off uintptr, v uint16) { b.set(off, 2, uint32(v)) }
func (b *sparseBAR) Write32(off uintptr, v uint32) { b.set(off, 4, v) }
func (s sparseBARs) BAR(i int) (virtio.Registers, uint64, error) {
	if s.bars[i] == nil {
		return nil, 0, errAbsentBAR
	}
	return s.bars[i], s.bars[i].size, nil
}

type sparseBARs struct{ bars [6]*sparseBAR }

var errAbsentBAR = errors.New("absent BAR")

// FuzzTransportCaps opens a device whose first 256 bytes of configuration
// space, with the vendor and device IDs of a modern block device, and
// whose BAR sizes (0 for absent) are the fuzzer's. Open must end within a
// bound of reads without a panic, fail only with ErrMalformed,
// ErrLegacyOnly or the mapping error; and a device it opens must keep
// every register access, through initialization and the whole of its
// device-specific configuration, aligned and inside the BARs.
func FuzzTransportCaps(f *testing.F) {
	good := virtiotest.New(virtiotest.Options{
		Type: 2, Features: bitVersion1, QueueSizes: []uint16{8},
		Config: make([]byte, 24), MSIXVectors: 2, NotifyMultiplier: 4,
	})
	var space [256]byte
	for i := range space {
		space[i] = good.Config().Read8(i)
	}
	sizes := func(s ...uint64) []byte {
		var b []byte
		for _, v := range s {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		return b
	}
	f.Add(space[:], sizes(0, 0, 0, 0, 0x4000, 0))
	f.Add(space[:], sizes(0, 0, 0, 0, 0x1000, 0))
	looped := space
	looped[0x99] = 0x40
	f.Add(looped[:], sizes(0x4000, 0x4000, 0x4000, 0x4000, 0x4000, 0x4000))
	f.Fuzz(func(t *testing.T, cfg, barSizes []byte) {
		c := &rawConfig{}
		copy(c.b[:], cfg)
		binary.LittleEndian.PutUint32(c.b[0:], 0x1042_1af4)
		var bars sparseBARs
		for i := range bars.bars {
			if len(barSizes) >= 8*(i+1) {
				if n := binary.LittleEndian.Uint64(barSizes[8*i:]); n != 0 {
					bars.bars[i] = &sparseBAR{t: t, i: i, size: n, mem: map[uintptr]byte{}}
				}
			}
		}
		d, err := virtio.Open(c, bars, virtiotest.NewMemory())
		// 48 capabilities at most, a handful of reads each.
		if c.reads > 48*8+16 {
			t.Fatalf("%d configuration reads: the walk is not bounded", c.reads)
		}
		if err != nil {
			if !errors.Is(err, virtio.ErrMalformed) && !errors.Is(err, virtio.ErrLegacyOnly) && !errors.Is(err, errAbsentBAR) {
				t.Fatalf("Open: %v wraps none of the expected causes", err)
			}
			return
		}
		if d.Type() != virtio.TypeBlock {
			t.Fatalf("type %v", d.Type())
		}
		// The BARs are plain memory: status reads back what is written
		// and no feature is offered, so negotiation stops at
		// VERSION_1, having used the common configuration.
		if err := d.Negotiate(0); !errors.Is(err, virtio.ErrLegacyOnly) {
			t.Fatalf("Negotiate on memory: %v", err)
		}
		d.ISR()
		cfgRegs := d.DeviceConfig()
		for off := range uintptr(min(d.DeviceConfigLen()+8, 4096)) {
			cfgRegs.Read8(off)
			cfgRegs.Read16(off)
			cfgRegs.Read32(off)
		}
	})
}

// FuzzUsedRing sets a queue up and lets the fuzzer both add chains and
// write the used ring as a device might: entries with any id and length,
// a used index set anywhere. Whatever it writes, Used must not panic and
// must give back only heads of chains in flight, each once, with no more
// bytes than the chain could take; an error must wrap ErrDeviceBroken
// and stop the queue for good; and the free descriptors and those of the
// chains in flight must always make up the queue.
func FuzzUsedRing(f *testing.F) {
	f.Add([]byte{0x03, 0x00, 0x21, 0x10, 0x00, 0x05, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x40})
	f.Add([]byte{0x82, 0x00, 0x11, 0x00, 0x12, 0x10, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x40, 0x20, 0x05, 0x00, 0x40})
	f.Add([]byte{0x01, 0x00, 0x01, 0x30, 0xff, 0xff, 0x40})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 {
			return
		}
		size := 2 << (ops[0] & 3) // 2 to 16
		features := uint64(0)
		if ops[0]&0x80 != 0 {
			features = bitEventIdx
		}
		opts := echoOptions(16, features)
		opts.Defer = true
		opts.Handler = nil
		fake := virtiotest.New(opts)
		_, q := ready(t, fake, virtio.FeatureEventIdx, size)
		_, buf := buffer(t, fake, 4096)

		writable := map[uint16]uint32{} // chains in flight: head -> writable bytes
		descs := map[uint16]int{}
		var broken error
		next := func(i *int) byte {
			if *i >= len(ops) {
				return 0
			}
			*i++
			return ops[*i-1]
		}
		for i := 1; i < len(ops); {
			op := next(&i)
			switch op >> 4 {
			case 0, 1: // add a chain of op&3 readable and op>>2&3 writable buffers
				nOut, nIn := int(op&3), int(op>>2&3)
				var out, in []virtio.Buffer
				var w uint32
				for k := range nOut + nIn {
					b := virtio.Buffer{Addr: buf.Addr, Len: uint32(next(&i)) + 1}
					if k < nOut {
						out = append(out, b)
					} else {
						in = append(in, b)
						w += b.Len
					}
				}
				head, err := q.Add(out, in)
				if broken != nil {
					if !errors.Is(err, virtio.ErrDeviceBroken) {
						t.Fatalf("Add on a broken queue: %v", err)
					}
					continue
				}
				if err != nil {
					if !errors.Is(err, virtio.ErrInvalid) && !errors.Is(err, virtio.ErrQueueFull) {
						t.Fatalf("Add: %v", err)
					}
					continue
				}
				if _, ok := writable[head]; ok {
					t.Fatalf("head %d handed out while in flight", head)
				}
				writable[head], descs[head] = w, nOut+nIn
			case 2: // the device writes a used entry
				id := uint32(next(&i)) | uint32(next(&i))<<8
				n := uint32(next(&i)) | uint32(next(&i))<<8
				if op&1 != 0 {
					id |= 0xffff0000
				}
				fake.PutUsed(0, id, n)
			case 3: // the device sets the used index
				fake.SetUsedIdx(0, uint16(next(&i))|uint16(next(&i))<<8)
			default: // the driver reaps
				if op&1 != 0 {
					q.EnableInterrupts()
				} else {
					q.DisableInterrupts()
				}
				_, err := q.Used(func(head uint16, written uint32) {
					w, ok := writable[head]
					if !ok {
						t.Fatalf("Used gave head %d, not in flight", head)
					}
					if written > w {
						t.Fatalf("Used gave head %d with %d bytes written of %d writable", head, written, w)
					}
					delete(writable, head)
					delete(descs, head)
				})
				if broken != nil && !errors.Is(err, virtio.ErrDeviceBroken) {
					t.Fatalf("Used on a broken queue: %v", err)
				}
				if err != nil {
					if !errors.Is(err, virtio.ErrDeviceBroken) {
						t.Fatalf("Used: %v", err)
					}
					broken = err
				}
			}
			held := 0
			for _, n := range descs {
				held += n
			}
			if q.NumFree()+held != size || q.InFlight() != len(descs) {
				t.Fatalf("%d free + %d held in %d chains != %d (queue says %d chains)", q.NumFree(), held, len(descs), size, q.InFlight())
			}
			if broken != nil && !errors.Is(q.Err(), virtio.ErrDeviceBroken) {
				t.Fatalf("queue usable again after %v", broken)
			}
		}
	})
}
