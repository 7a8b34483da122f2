package sdk

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"clk/abi"
)

// Channel is a handle to one endpoint of a channel. Writing queues a
// message on the peer endpoint; reading takes one from this endpoint's
// queue. Its methods may be called from several goroutines at once.
type Channel struct {
	Handle
}

// Message is a message as Read and Call return it: its type id, its
// transaction id (0 for one-way messages; a request's id, to be copied
// into its reply), its data and the handles it carried, now in the
// caller's table. Data and Handles are the leading parts of the buffers
// the caller passed.
type Message struct {
	Type    uint32
	Txid    uint32
	Data    []byte
	Handles []Handle
}

// msgDesc is abi.MsgDesc as it lies in memory: its fields are the
// kernel's layout in order, each at its natural alignment, so that a
// pointer to one is what the calls take (a test checks the bytes).
type msgDesc abi.MsgDesc

// The layout above is the kernel's: these fail to compile otherwise.
var (
	_ [unsafe.Sizeof(msgDesc{}) - abi.MsgDescSize]struct{}
	_ [abi.MsgDescSize - unsafe.Sizeof(msgDesc{})]struct{}
)

// descs are the descriptors of one call, on the heap so that the kernel
// may hold their address; descPool recycles them, which keeps Write, Read
// and Call free of allocations.
type descs struct{ w, r msgDesc }

var descPool = sync.Pool{New: func() any { return new(descs) }}

func getDescs() *descs { return descPool.Get().(*descs) }

func putDescs(d *descs) {
	*d = descs{}
	descPool.Put(d)
}

// NewChannel creates a channel whose messages must follow schema and
// returns its two endpoints, each with read, write, duplicate, transfer
// and wait rights. depth is the queue length of each endpoint: 0 for the
// kernel's default (64), at most abi.MaxQueue.
func NewChannel(schema Schema, depth int) (Channel, Channel, error) {
	b, err := schema.MarshalBinary()
	if err != nil {
		return Channel{}, Channel{}, fmt.Errorf("new channel: %w", err)
	}
	if depth < 0 || depth > abi.MaxQueue {
		return Channel{}, Channel{}, fmt.Errorf("new channel: depth %d, want 0 to %d: %w", depth, abi.MaxQueue, abi.EINVAL)
	}
	out := new([2]Handle)
	_, err = call(abi.SysChannelCreate, bytesAddr(b), uint64(len(b)), uint64(depth), addr(unsafe.Pointer(out)), 0, 0)
	runtime.KeepAlive(b)
	runtime.KeepAlive(out)
	if err != nil {
		return Channel{}, Channel{}, err
	}
	return Channel{out[0]}, Channel{out[1]}, nil
}

// setOut fills d to describe an outgoing message.
func (d *msgDesc) setOut(typ, txid uint32, data []byte, handles []Handle) {
	*d = msgDesc{
		Type: typ, Txid: txid,
		Data: bytesAddr(data), DataLen: uint32(len(data)),
		Handles: handlesAddr(handles), HandlesLen: uint32(len(handles)),
	}
}

// setIn fills d to describe the buffers of an incoming message.
func (d *msgDesc) setIn(data []byte, handles []Handle) {
	*d = msgDesc{
		Data: bytesAddr(data), DataLen: uint32(min(len(data), abi.MaxData)),
		Handles: handlesAddr(handles), HandlesLen: uint32(min(len(handles), abi.MaxHandles)),
	}
}

// checkOut refuses an outgoing message whose lengths do not fit the
// descriptor's fields.
func checkOut(num uint64, data []byte, handles []Handle) error {
	if len(data) > abi.MaxData || len(handles) > abi.MaxHandles {
		return errorOf(num, abi.ETOOLARGE)
	}
	return nil
}

// received turns the descriptor the kernel wrote back into a Message,
// or a *BufferError for abi.EBUFSMALL.
func (d *msgDesc) received(num uint64, err error, data []byte, handles []Handle) (Message, error) {
	if err != nil {
		if e, ok := err.(*Error); ok && e.errno == abi.EBUFSMALL {
			return Message{Type: d.Type, Txid: d.Txid}, &BufferError{Err: err, Data: int(d.DataLen), Handles: int(d.HandlesLen)}
		}
		return Message{}, err
	}
	if int(d.DataLen) > len(data) || int(d.HandlesLen) > len(handles) {
		// The kernel wrote more than the capacities given: not a
		// message this package can describe.
		return Message{}, errorOf(num, abi.EFAULT)
	}
	return Message{Type: d.Type, Txid: d.Txid, Data: data[:d.DataLen], Handles: handles[:d.HandlesLen]}, nil
}

// Write sends a one-way message of type typ with data and handles,
// waiting until deadline for room in the peer's queue. The handles move
// to the receiver: on success they are no longer the caller's. A message
// refused for any reason is not queued and the caller keeps its handles.
func (c Channel) Write(typ uint32, data []byte, handles []Handle, deadline Deadline) error {
	return c.write(typ, 0, data, handles, deadline)
}

// Reply sends a message carrying txid, the transaction id of a request
// Read returned, which delivers it to the Call waiting for it on the peer.
// Otherwise it is Write.
func (c Channel) Reply(txid, typ uint32, data []byte, handles []Handle, deadline Deadline) error {
	return c.write(typ, txid, data, handles, deadline)
}

func (c Channel) write(typ, txid uint32, data []byte, handles []Handle, deadline Deadline) error {
	if err := checkOut(abi.SysChannelWrite, data, handles); err != nil {
		return err
	}
	d := getDescs()
	d.w.setOut(typ, txid, data, handles)
	_, err := call(abi.SysChannelWrite, uint64(c.Handle), addr(unsafe.Pointer(&d.w)), uint64(deadline), 0, 0, 0)
	keepAlive(data, handles)
	putDescs(d)
	return err
}

// Read takes the next message, waiting for one until deadline, into data
// and handles: it returns the message with its data and handles as the
// leading parts of those buffers. When the message does not fit, Read
// returns a *BufferError saying what it needs and the message stays
// queued. Once the peer is gone and the queue is empty, Read returns an
// error wrapping abi.EPEERCLOSED.
func (c Channel) Read(data []byte, handles []Handle, deadline Deadline) (Message, error) {
	d := getDescs()
	d.r.setIn(data, handles)
	_, err := call(abi.SysChannelRead, uint64(c.Handle), addr(unsafe.Pointer(&d.r)), uint64(deadline), 0, 0, 0)
	keepAlive(data, handles)
	m, err := d.r.received(abi.SysChannelRead, err, data, handles)
	putDescs(d)
	return m, err
}

// Call sends a request of type typ with data and handles under a fresh
// transaction id and waits until deadline for the reply carrying it,
// which it returns as Read does, in rdata and rhandles; other messages
// stay queued. deadline must not be Now. A reply that does not fit (a
// *BufferError) is not lost: it waits at the head of c's queue for Read.
func (c Channel) Call(typ uint32, data []byte, handles []Handle, rdata []byte, rhandles []Handle, deadline Deadline) (Message, error) {
	if err := checkOut(abi.SysChannelCall, data, handles); err != nil {
		return Message{}, err
	}
	d := getDescs()
	d.w.setOut(typ, 0, data, handles)
	d.r.setIn(rdata, rhandles)
	_, err := call(abi.SysChannelCall, uint64(c.Handle), addr(unsafe.Pointer(&d.w)), addr(unsafe.Pointer(&d.r)), uint64(deadline), 0, 0)
	keepAlive(data, handles)
	keepAlive(rdata, rhandles)
	m, err := d.r.received(abi.SysChannelCall, err, rdata, rhandles)
	putDescs(d)
	return m, err
}
