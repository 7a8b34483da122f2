package abi

import "strconv"

// Rights is the set of operations a handle allows. A handle's rights never
// grow: duplicating or replacing a handle yields a subset, and moving it
// over a channel keeps the set unchanged.
type Rights uint32

// The rights, listed once. docs/abi.md is generated from RightList.
const (
	// RightRead allows reading: channel_read, channel_call.
	RightRead Rights = 1 << iota
	// RightWrite allows writing: channel_write, log_write, writing a region.
	RightWrite
	// RightDuplicate allows handle_duplicate.
	RightDuplicate
	// RightTransfer allows moving the handle to another process over a
	// channel or into a new process.
	RightTransfer
	// RightWait allows waiting on the object's signals (object_wait_many).
	RightWait
	// RightSignal allows raising or arming the object's signals (setting a
	// timer).
	RightSignal
	// RightMap allows mapping a memory region into an address space.
	RightMap
	// RightManage allows managing the object itself: killing a process,
	// acknowledging an IRQ, reprogramming an I/O port range's owner.
	RightManage

	// RightsNone is the empty set.
	RightsNone Rights = 0
	// RightsAll is every right defined above.
	RightsAll = RightManage<<1 - 1
)

// RightInfo names and describes one right.
type RightInfo struct {
	Right Rights
	Name  string
	Doc   string
}

// RightList is every right with its name and meaning, in bit order.
var RightList = []RightInfo{
	{RightRead, "read", "read from the object (channel_read, channel_call)"},
	{RightWrite, "write", "write to the object (channel_write, log_write)"},
	{RightDuplicate, "duplicate", "make another handle to the object with the same or fewer rights (handle_duplicate)"},
	{RightTransfer, "transfer", "move the handle to another process over a channel"},
	{RightWait, "wait", "wait for the object's signals (object_wait_many)"},
	{RightSignal, "signal", "raise or arm the object's signals (timer_set)"},
	{RightMap, "map", "map a memory region into an address space (vm_map)"},
	{RightManage, "manage", "manage the object itself (kill a process, acknowledge an IRQ)"},
}

// Has reports whether r holds every right in want.
func (r Rights) Has(want Rights) bool { return r&want == want }

// String lists the rights by name, joined by '|', or "none".
func (r Rights) String() string { return bitNames(uint32(r), rightNames) }

// rightNames are RightList's names, by bit.
var rightNames = namesOf(RightList, func(r RightInfo) string { return r.Name })

// Signals is a set of states a waitable object can be in.
type Signals uint32

// The signals. Which ones an object raises is part of its type's
// specification in docs/abi.md.
const (
	// Readable: a channel endpoint has a message queued.
	Readable Signals = 1 << iota
	// Writable: a channel endpoint's peer has room in its queue.
	Writable
	// PeerClosed: a channel endpoint's peer is gone.
	PeerClosed
	// Signaled: a timer fired; a process ended.
	Signaled

	// AllSignals is every signal above.
	AllSignals = Signaled<<1 - 1
)

// SignalInfo names and explains one signal.
type SignalInfo struct {
	Signal Signals
	Name   string
	Doc    string
}

// SignalList is every signal in bit order; docs/abi.md is generated from
// it.
var SignalList = []SignalInfo{
	{Readable, "readable", "a channel endpoint has a message queued"},
	{Writable, "writable", "a channel endpoint's peer has room in its queue"},
	{PeerClosed, "peer_closed", "a channel endpoint's peer is gone"},
	{Signaled, "signaled", "a timer fired; a process ended"},
}

// String lists the signals by name, joined by '|', or "none".
func (s Signals) String() string { return bitNames(uint32(s), signalNames) }

// signalNames are SignalList's names, by bit.
var signalNames = namesOf(SignalList, func(s SignalInfo) string { return s.Name })

// namesOf returns the name of each entry of a list in bit order.
func namesOf[T any](list []T, name func(T) string) []string {
	names := make([]string, len(list))
	for i, x := range list {
		names[i] = name(x)
	}
	return names
}

// ObjectType names a kind of kernel object, as handle lookups and schemas
// name them.
type ObjectType uint32

// The object types. TypeAny matches every type in a lookup and a schema.
const (
	TypeAny ObjectType = iota
	TypeProcess
	TypeChannel
	TypeRegion
	TypeIOPorts
	TypeIRQ
	TypeTimer
	TypeLog
	TypeDevice
	TypeMetrics

	// NumTypes is the number of object types, TypeAny included.
	NumTypes
)

var typeNames = [NumTypes]string{
	TypeAny:     "any",
	TypeProcess: "process",
	TypeChannel: "channel",
	TypeRegion:  "region",
	TypeIOPorts: "ioports",
	TypeIRQ:     "irq",
	TypeTimer:   "timer",
	TypeLog:     "log",
	TypeDevice:  "device",
	TypeMetrics: "metrics",
}

// String returns the type's name as docs/abi.md spells it.
func (t ObjectType) String() string {
	if t < NumTypes {
		return typeNames[t]
	}
	return "type " + strconv.FormatUint(uint64(t), 10)
}

// Valid reports whether t is one of the types above.
func (t ObjectType) Valid() bool { return t < NumTypes }

// bitNames spells a bit set with one name per bit, from bit 0 up, joined by
// '|'; bits without a name add "unknown".
func bitNames(v uint32, names []string) string {
	if v == 0 {
		return "none"
	}
	var b []byte
	add := func(s string) {
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, s...)
	}
	for i, n := range names {
		if v&(1<<i) != 0 {
			add(n)
		}
	}
	if v>>len(names) != 0 {
		add("unknown")
	}
	return string(b)
}
