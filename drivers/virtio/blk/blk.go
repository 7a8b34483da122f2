package blk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"clk/drivers/virtio"
)

// SectorSize is the unit of the protocol's sector numbers and lengths,
// whatever the disk's block size (5.2.5).
const SectorSize = 512

// Feature bits of the block device (5.2.3) the package negotiates.
const (
	FeatureSizeMax uint64 = 1 << 1 // size_max limits each segment
	FeatureSegMax  uint64 = 1 << 2 // seg_max limits the segments of a request
	FeatureRO      uint64 = 1 << 5 // the disk is read-only
	FeatureBlkSize uint64 = 1 << 6 // blk_size is the disk's block size
	FeatureFlush   uint64 = 1 << 9 // VIRTIO_BLK_T_FLUSH is supported
)

// struct virtio_blk_config (5.2.4): byte offsets of its fields.
const (
	cfgCapacity = 0  // le64, in 512-byte sectors
	cfgSizeMax  = 8  // le32
	cfgSegMax   = 12 // le32
	cfgBlkSize  = 20 // le32
)

// struct virtio_blk_req (5.2.6): le32 type, le32 reserved, le64 sector,
// then the data, then u8 status.
const (
	headerSize = 16
	typeIn     = 0
	typeOut    = 1
	typeFlush  = 4

	statusOK     = 0
	statusIOErr  = 1
	statusUnsupp = 2
	// statusUnset is what a status byte holds until the device writes
	// it: no status the specification defines.
	statusUnset = 0xff

	// slotSize is a request's share of the package's page: the header,
	// then the status byte.
	slotSize = 32
	slotPage = 4096
)

// defaultQueueSize is the queue asked for when Config.QueueSize is 0.
const defaultQueueSize = 128

// The causes of the package's errors, for errors.Is. Errors of the queue
// and of Wait are wrapped as they come.
var (
	// ErrNotBlock: New was given a device of another type.
	ErrNotBlock = errors.New("blk: not a block device")
	// ErrNoWait: New was given no Config.Wait.
	ErrNoWait = errors.New("blk: no way to wait for interrupts")
	// ErrOutOfRange: sectors past the capacity (5.2.6.1); not sent.
	ErrOutOfRange = errors.New("blk: sectors beyond the disk's capacity")
	// ErrReadOnly: a write to a disk with VIRTIO_BLK_F_RO; not sent.
	ErrReadOnly = errors.New("blk: disk is read-only")
	// ErrBadRequest: no data, data not whole sectors (5.2.6.1), more
	// segments than MaxSegments, one longer than MaxSegmentSize; not
	// sent.
	ErrBadRequest = errors.New("blk: invalid request")
	// ErrIO: the device's status VIRTIO_BLK_S_IOERR, a status it does
	// not define or did not write, or fewer bytes read than asked.
	ErrIO = errors.New("blk: I/O error")
	// ErrUnsupported: the device's status VIRTIO_BLK_S_UNSUPP.
	ErrUnsupported = errors.New("blk: request not supported by the device")
)

// Config is how the disk is set up and takes interrupts.
type Config struct {
	// QueueSize is the request queue's size to ask for; the device may
	// give fewer. 0 asks for 128.
	QueueSize int
	// Vector is the MSI-X table entry the kernel programmed for the
	// request queue, or virtio.NoVector when the device interrupts
	// through INTx.
	Vector uint16
	// Wait blocks until the device interrupts, and returns at once if
	// it interrupted since the previous call. An error ends the disk.
	Wait func() error
}

// Disk is a virtio block device.
type Disk struct {
	mu      sync.Mutex
	changed *sync.Cond // a request completed, or the waiter came back
	dev     *virtio.Device
	q       *virtio.Queue
	cfg     Config

	capacity  uint64 // sectors
	blockSize uint32
	segMax    int    // 0: only the queue limits the segments
	sizeMax   uint32 // 0: no limit per segment
	readOnly  bool
	canFlush  bool

	slots     []byte // headers and status bytes
	slotsPhys uint64
	freeSlots []int
	inFlight  map[uint16]*request // by head descriptor
	waiting   bool                // a caller is in cfg.Wait
	err       error               // once set, the disk is ended
}

// request is a request in flight, and how it ended.
type request struct {
	typ  uint32
	data uint64 // bytes of data
	slot int    // its header and status byte in Disk.slots
	done bool
	err  error
}

// New initializes the block device d (3.1.1, 5.2.5).
func New(d *virtio.Device, cfg Config) (*Disk, error) {
	if d.Type() != virtio.TypeBlock {
		return nil, fmt.Errorf("%v device: %w", d.Type(), ErrNotBlock)
	}
	if cfg.Wait == nil {
		return nil, ErrNoWait
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = defaultQueueSize
	}
	k := &Disk{dev: d, cfg: cfg, blockSize: SectorSize, inFlight: map[uint16]*request{}}
	k.changed = sync.NewCond(&k.mu)
	if err := d.Negotiate(FeatureSizeMax | FeatureSegMax | FeatureRO | FeatureBlkSize | FeatureFlush | virtio.FeatureEventIdx); err != nil {
		return nil, fmt.Errorf("blk: %w", err)
	}
	if err := k.readConfig(); err != nil {
		d.Fail()
		return nil, err
	}
	q, err := d.SetupQueue(0, cfg.QueueSize, cfg.Vector)
	if err != nil {
		d.Fail()
		return nil, fmt.Errorf("blk: %w", err)
	}
	// The smallest request, a flush, is a header and a status; a read
	// or write needs a data buffer more.
	if q.Size() < 3 {
		d.Fail()
		return nil, fmt.Errorf("blk: queue of %d cannot hold a request of 3 buffers: %w", q.Size(), virtio.ErrNoQueue)
	}
	k.q = q
	slots, phys, err := d.DMA().Alloc(slotPage)
	if err != nil || len(slots) < slotPage {
		d.Fail()
		return nil, fmt.Errorf("blk: allocate %d bytes, got %d: %w", slotPage, len(slots), errors.Join(err, virtio.ErrDMA))
	}
	k.slots, k.slotsPhys = slots[:slotPage], phys
	// Each request takes two descriptors at least, so half the queue
	// bounds the requests in flight.
	for i := range min(q.Size()/2, slotPage/slotSize) {
		k.freeSlots = append(k.freeSlots, i)
	}
	if err := d.Ready(); err != nil {
		return nil, fmt.Errorf("blk: %w", err)
	}
	return k, nil
}

// readConfig reads the fields of the configuration that the negotiated
// features say are there (2.5.1: the device configuration is only as long
// as the device says, and is read in one generation).
func (k *Disk) readConfig() error {
	f := k.dev.Features()
	need := cfgCapacity + 8
	if f&(FeatureSizeMax|FeatureSegMax) != 0 {
		need = cfgSegMax + 4
	}
	if f&FeatureBlkSize != 0 {
		need = cfgBlkSize + 4
	}
	if n := k.dev.DeviceConfigLen(); n < need {
		return fmt.Errorf("blk: device configuration of %d bytes, features %#x need %d: %w", n, f, need, virtio.ErrMalformed)
	}
	var sizeMax, segMax, blkSize uint32
	err := k.dev.ReadConfig(func(r virtio.Registers) {
		k.capacity = uint64(r.Read32(cfgCapacity)) | uint64(r.Read32(cfgCapacity+4))<<32
		sizeMax, segMax, blkSize = r.Read32(cfgSizeMax), r.Read32(cfgSegMax), r.Read32(cfgBlkSize)
	})
	if err != nil {
		return fmt.Errorf("blk: %w", err)
	}
	// A limit of 0 would allow no request at all: taken as no limit.
	if f&FeatureSizeMax != 0 {
		k.sizeMax = sizeMax
	}
	if f&FeatureSegMax != 0 {
		k.segMax = int(min(segMax, 1<<16))
	}
	// blk_size is advice for performance (5.2.5); one that is no block
	// size is ignored rather than trusted.
	if f&FeatureBlkSize != 0 && blkSize >= SectorSize && blkSize&(blkSize-1) == 0 {
		k.blockSize = blkSize
	}
	k.readOnly = f&FeatureRO != 0
	k.canFlush = f&FeatureFlush != 0
	return nil
}

// Capacity is the disk's size in 512-byte sectors.
func (k *Disk) Capacity() uint64 { return k.capacity }

// BlockSize is the disk's block size in bytes: blk_size with
// VIRTIO_BLK_F_BLK_SIZE, else 512. Requests are still in 512-byte
// sectors; this is what is fastest.
func (k *Disk) BlockSize() uint32 { return k.blockSize }

// ReadOnly reports whether the device said the disk is read-only.
func (k *Disk) ReadOnly() bool { return k.readOnly }

// CanFlush reports whether the device takes flush requests.
func (k *Disk) CanFlush() bool { return k.canFlush }

// MaxSegments is the most data buffers a request may have: seg_max if
// the device gave it, and what the queue holds besides the header and
// status.
func (k *Disk) MaxSegments() int {
	n := k.q.Size() - 2
	if k.segMax != 0 {
		n = min(n, k.segMax)
	}
	return n
}

// MaxSegmentSize is the longest data buffer: size_max, or 0 for no limit.
func (k *Disk) MaxSegmentSize() uint32 { return k.sizeMax }

// ReadSectors reads len(data) bytes in all, a multiple of 512, into the
// data buffers in order, from sector on.
func (k *Disk) ReadSectors(sector uint64, data ...virtio.Buffer) error {
	return k.transfer(typeIn, sector, data)
}

// WriteSectors writes the data buffers, a multiple of 512 bytes in all,
// from sector on.
func (k *Disk) WriteSectors(sector uint64, data ...virtio.Buffer) error {
	if k.readOnly {
		return fmt.Errorf("blk: write at sector %d: %w", sector, ErrReadOnly)
	}
	return k.transfer(typeOut, sector, data)
}

// Flush makes the writes completed before it stable (5.2.6.2). A device
// without VIRTIO_BLK_F_FLUSH has no flush request; Flush then returns nil
// at once, there being nothing more the driver can do.
func (k *Disk) Flush() error {
	if !k.canFlush {
		return nil
	}
	return k.do(typeFlush, 0, nil)
}

// transfer checks a read or write against the disk and does it.
func (k *Disk) transfer(typ uint32, sector uint64, data []virtio.Buffer) error {
	op := map[uint32]string{typeIn: "read", typeOut: "write"}[typ]
	if len(data) == 0 || len(data) > k.MaxSegments() {
		return fmt.Errorf("blk: %s of %d segments, %d at most: %w", op, len(data), k.MaxSegments(), ErrBadRequest)
	}
	var total uint64
	for i, b := range data {
		if b.Len == 0 || k.sizeMax != 0 && b.Len > k.sizeMax {
			return fmt.Errorf("blk: %s: segment %d of %d bytes, %d at most: %w", op, i, b.Len, k.sizeMax, ErrBadRequest)
		}
		total += uint64(b.Len)
	}
	if total%SectorSize != 0 {
		return fmt.Errorf("blk: %s of %d bytes, not whole sectors: %w", op, total, ErrBadRequest)
	}
	if n := total / SectorSize; sector > k.capacity || n > k.capacity-sector {
		return fmt.Errorf("blk: %s of %d sectors at %d on a disk of %d: %w", op, n, sector, k.capacity, ErrOutOfRange)
	}
	return k.do(typ, sector, data)
}

// do submits a request, waiting for room in the queue if need be, and
// waits until the device has completed it.
func (k *Disk) do(typ uint32, sector uint64, data []virtio.Buffer) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := &request{typ: typ}
	for _, b := range data {
		r.data += uint64(b.Len)
	}
	for !k.submit(r, sector, data) {
		if err := k.progress(); err != nil {
			return err
		}
	}
	for !r.done {
		if err := k.progress(); err != nil {
			return err
		}
	}
	return r.err
}

// submit makes the request available and notifies the device, and
// reports whether there was room for it. An error of the queue ends the
// disk and counts as submitted: the caller then finds k.err.
//
// Preconditions: k.mu is held.
func (k *Disk) submit(r *request, sector uint64, data []virtio.Buffer) bool {
	if k.err != nil {
		return true
	}
	if len(k.freeSlots) == 0 || k.q.NumFree() < len(data)+2 {
		return false
	}
	r.slot = k.freeSlots[len(k.freeSlots)-1]
	at := r.slot * slotSize
	binary.LittleEndian.PutUint32(k.slots[at:], r.typ)
	binary.LittleEndian.PutUint32(k.slots[at+4:], 0)
	binary.LittleEndian.PutUint64(k.slots[at+8:], sector)
	k.slots[at+headerSize] = statusUnset
	header := virtio.Buffer{Addr: k.slotsPhys + uint64(at), Len: headerSize}
	status := virtio.Buffer{Addr: k.slotsPhys + uint64(at+headerSize), Len: 1}
	out, in := []virtio.Buffer{header}, []virtio.Buffer{status}
	if r.typ == typeOut {
		out = append(out, data...)
	} else {
		in = append(append([]virtio.Buffer(nil), data...), status)
	}
	head, err := k.q.Add(out, in)
	if err != nil {
		k.end(err)
		return true
	}
	k.freeSlots = k.freeSlots[:len(k.freeSlots)-1]
	k.inFlight[head] = r
	if err := k.q.Notify(); err != nil {
		k.end(err)
	}
	return true
}

// progress reaps what the device completed; if nothing, it waits for
// the device's interrupt, or, when another caller is waiting for it, for
// that caller to come back. It returns the error that ended the disk.
//
// Preconditions: k.mu is held.
func (k *Disk) progress() error {
	if k.err != nil {
		return k.err
	}
	if k.waiting {
		k.changed.Wait()
		return k.err
	}
	n, err := k.q.Used(k.complete)
	if err != nil {
		k.end(err)
		return k.err
	}
	if n > 0 {
		k.changed.Broadcast()
		return nil
	}
	// Re-arm the notification; if chains came meanwhile, reap them
	// rather than wait for an interrupt that may never come.
	if k.q.EnableInterrupts() {
		return nil
	}
	k.waiting = true
	k.mu.Unlock()
	err = k.cfg.Wait()
	k.mu.Lock()
	k.waiting = false
	k.changed.Broadcast()
	if err != nil {
		k.end(fmt.Errorf("wait: %w", err))
		return k.err
	}
	if k.cfg.Vector == virtio.NoVector {
		k.dev.ISR()
	}
	return nil
}

// complete finishes the request whose chain came back with written bytes
// written: the data, then the status byte (5.2.6).
//
// Preconditions: k.mu is held.
func (k *Disk) complete(head uint16, written uint32) {
	r := k.inFlight[head]
	delete(k.inFlight, head)
	k.freeSlots = append(k.freeSlots, r.slot)
	r.done = true
	status := k.slots[r.slot*slotSize+headerSize]
	var want uint64 = 1
	if r.typ == typeIn {
		want += r.data
	}
	switch {
	case written == 0 || status == statusUnset:
		r.err = fmt.Errorf("blk: the device wrote no status: %w", ErrIO)
	case status == statusIOErr:
		r.err = fmt.Errorf("blk: device status IOERR: %w", ErrIO)
	case status == statusUnsupp:
		r.err = fmt.Errorf("blk: device status UNSUPP: %w", ErrUnsupported)
	case status != statusOK:
		r.err = fmt.Errorf("blk: device status %#x: %w", status, ErrIO)
	case uint64(written) < want:
		r.err = fmt.Errorf("blk: the device wrote %d of %d bytes: %w", written, want, ErrIO)
	}
}

// end ends the disk with err: the device is reset so that it uses no
// buffer of a request in flight any more, and every caller is woken to
// find the error.
//
// Preconditions: k.mu is held.
func (k *Disk) end(err error) {
	if k.err != nil {
		return
	}
	k.err = fmt.Errorf("blk: disk ended: %w", err)
	if rerr := k.dev.Reset(); rerr != nil {
		k.err = fmt.Errorf("%w; reset: %w", k.err, rerr)
	}
	k.changed.Broadcast()
}
