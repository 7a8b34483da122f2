package syscalls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/wait"
)

// EndpointRights are the rights of the handles channel_create returns.
const EndpointRights = abi.RightRead | abi.RightWrite | abi.RightDuplicate | abi.RightTransfer | abi.RightWait

func sysChannelCreate(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	ptr, n, depth, out := a[0], a[1], a[2], a[3]
	if n > ipc.MaxSchemaBytes {
		return 0, fmt.Errorf("channel_create: schema of %d bytes: %w", n, ipc.ErrBadSchema)
	}
	if depth > abi.MaxQueue {
		return 0, fmt.Errorf("channel_create: depth %d: %w", depth, errInvalid)
	}
	b := make([]byte, n)
	if err := c.Mem.CopyIn(b, ptr); err != nil {
		return 0, fmt.Errorf("channel_create: schema: %w", err)
	}
	// Probe the output before creating anything.
	var zero [8]byte
	if err := c.Mem.CopyOut(out, zero[:]); err != nil {
		return 0, fmt.Errorf("channel_create: out: %w", err)
	}
	s, err := ipc.ParseSchema(b)
	if err != nil {
		return 0, fmt.Errorf("channel_create: %w", err)
	}
	e0, e1, err := ipc.NewChannel(s, int(depth))
	if err != nil {
		return 0, err
	}
	caps := []*cap.Cap{cap.New(e0, EndpointRights), cap.New(e1, EndpointRights)}
	hs, err := c.Proc.Handles.InstallAll(caps)
	if err != nil {
		for _, cp := range caps {
			cp.Close()
		}
		return 0, err
	}
	if err := c.Mem.CopyOut(out, putU32s([]uint32{uint32(hs[0]), uint32(hs[1])})); err != nil {
		c.Proc.Handles.Close(hs[0])
		c.Proc.Handles.Close(hs[1])
		return 0, fmt.Errorf("channel_create: out: %w", err)
	}
	return 0, nil
}

// endpoint finds the channel endpoint in register v with rights need.
func (c *Caller) endpoint(v uint64, need abi.Rights) (*ipc.Endpoint, error) {
	cp, err := c.lookup(v, abi.TypeChannel, need)
	if err != nil {
		return nil, err
	}
	ep, ok := cp.Object().(*ipc.Endpoint)
	if !ok {
		return nil, fmt.Errorf("handle %#x: %w", v, cap.ErrWrongType)
	}
	return ep, nil
}

// outgoing reads a message to send: its descriptor, data and handle
// values. Lengths are checked against the kernel's limits before any
// buffer is allocated. The data buffer is fresh: the message sent takes it
// as it is (ipc.Endpoint.WriteFrom does not copy).
func outgoing(c *Caller, descPtr uint64) (abi.MsgDesc, []byte, []cap.Handle, error) {
	d, err := readDesc(c.Mem, descPtr)
	if err != nil {
		return d, nil, nil, err
	}
	if d.DataLen > abi.MaxData || d.HandlesLen > abi.MaxHandles {
		return d, nil, nil, fmt.Errorf("message of %d bytes and %d handles: %w", d.DataLen, d.HandlesLen, ipc.ErrTooLarge)
	}
	data := make([]byte, d.DataLen)
	if err := c.Mem.CopyIn(data, d.Data); err != nil {
		return d, nil, nil, fmt.Errorf("message data: %w", err)
	}
	raw := make([]byte, 4*d.HandlesLen)
	if err := c.Mem.CopyIn(raw, d.Handles); err != nil {
		return d, nil, nil, fmt.Errorf("message handles: %w", err)
	}
	hs := make([]cap.Handle, d.HandlesLen)
	for i := range hs {
		hs[i] = cap.Handle(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return d, data, hs, nil
}

func sysChannelWrite(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	ep, err := c.endpoint(a[0], abi.RightWrite)
	if err != nil {
		return 0, err
	}
	d, data, hs, err := outgoing(c, a[1])
	if err != nil {
		return 0, err
	}
	deadline, block := k.deadline(a[2])
	const ready = abi.Writable | abi.PeerClosed
	for {
		// As in channel_read, wait first if the queue is full.
		if block && ep.Signals()&ready == 0 {
			if err := c.waitFor(&ep.Source, ready, deadline); err != nil {
				return 0, fmt.Errorf("channel write: %w", err)
			}
		}
		err := ep.WriteFrom(c.Proc.Handles, d.Type, d.Txid, data, hs, deadline, false)
		if err == nil {
			c.Proc.Counters.Sent(len(data))
		}
		if !block || !errors.Is(err, ipc.ErrQueueFull) {
			return 0, err
		}
	}
}

// waitFor waits until src raises a signal in want, or the deadline
// passes, or the caller's process ends (its object raises Signaled as it
// does): a blocked call must not hold up a kill.
func (c *Caller) waitFor(src *wait.Source, want abi.Signals, deadline time.Time) error {
	items := [2]wait.Item{{Source: src, Want: want}, {Source: &c.Proc.Source, Want: abi.Signaled}}
	if _, err := wait.Many(items[:], deadline); err != nil {
		return err
	}
	if items[1].Observed&abi.Signaled != 0 {
		return errDying
	}
	return nil
}

// deliver hands a received message to the caller: it writes the sizes
// back into the descriptor at descPtr, copies the data, installs the
// handles and writes their values. It fails, leaving the caller's table
// as it was, when the message does not fit the capacities in d, a buffer
// is not writable, or the table has no room.
func deliver(c *Caller, descPtr uint64, d abi.MsgDesc, m *ipc.Message) error {
	fits := len(m.Data) <= int(d.DataLen) && len(m.Caps) <= int(d.HandlesLen)
	d.Type, d.Txid = m.Type, m.Txid
	d.DataLen, d.HandlesLen = uint32(len(m.Data)), uint32(len(m.Caps))
	b := d.Marshal()
	if err := c.Mem.CopyOut(descPtr, b[:]); err != nil {
		return fmt.Errorf("message descriptor: %w", err)
	}
	if !fits {
		return ipc.ErrBufferTooSmall
	}
	if err := c.Mem.CopyOut(d.Data, m.Data); err != nil {
		return fmt.Errorf("message data: %w", err)
	}
	if len(m.Caps) == 0 {
		return nil
	}
	// Probe the handle buffer before the handles move.
	vals := make([]uint32, len(m.Caps))
	if err := c.Mem.CopyOut(d.Handles, putU32s(vals)); err != nil {
		return fmt.Errorf("message handles: %w", err)
	}
	hs, err := c.Proc.Handles.InstallAll(m.Caps)
	if err != nil {
		return err
	}
	for i, h := range hs {
		vals[i] = uint32(h)
	}
	// The probe above succeeded; a failure now means the caller unmapped
	// the buffer meanwhile, and it loses track of the handles it got.
	c.Mem.CopyOut(d.Handles, putU32s(vals))
	return nil
}

func sysChannelRead(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	ep, err := c.endpoint(a[0], abi.RightRead)
	if err != nil {
		return 0, err
	}
	d, err := readDesc(c.Mem, a[1])
	if err != nil {
		return 0, err
	}
	deadline, block := k.deadline(a[2])
	const ready = abi.Readable | abi.PeerClosed
	for {
		// Wait before reading rather than after a failed read: a read
		// that finds nothing formats an error, which the common path
		// of a blocking read (nothing there yet) should not pay for.
		if block && ep.Signals()&ready == 0 {
			if err := c.waitFor(&ep.Source, ready, deadline); err != nil {
				return 0, fmt.Errorf("channel read: %w", err)
			}
		}
		_, err = ep.Read(deadline, false, func(m *ipc.Message) error {
			if err := deliver(c, a[1], d, m); err != nil {
				return err
			}
			c.Proc.Counters.Received(len(m.Data))
			return nil
		})
		if !block || !errors.Is(err, ipc.ErrEmpty) {
			return 0, err
		}
	}
}

func sysChannelCall(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	ep, err := c.endpoint(a[0], abi.RightRead|abi.RightWrite)
	if err != nil {
		return 0, err
	}
	if a[3] == abi.DeadlineNow {
		return 0, fmt.Errorf("channel_call: deadline 0: %w", errInvalid)
	}
	wd, data, hs, err := outgoing(c, a[1])
	if err != nil {
		return 0, err
	}
	rd, err := readDesc(c.Mem, a[2])
	if err != nil {
		return 0, err
	}
	deadline, _ := k.deadline(a[3])
	// A reply deliver refuses stays the caller's: CallFrom puts it back in
	// the queue, where a read with room for it gets it.
	err = ep.CallFrom(c.Proc.Handles, wd.Type, data, hs, deadline, c.Dying, func(m *ipc.Message) error {
		if err := deliver(c, a[2], rd, m); err != nil {
			return err
		}
		c.Proc.Counters.Received(len(m.Data))
		return nil
	})
	if err == nil {
		// A call's request counts once its reply came.
		c.Proc.Counters.Sent(len(data))
	}
	if errors.Is(err, ipc.ErrStopped) {
		return 0, fmt.Errorf("channel_call: %w", errDying)
	}
	return 0, err
}
