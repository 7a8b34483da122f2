package cap

import "strings"

// Rights is the set of operations a handle allows. A handle's rights never
// grow: duplicating or replacing a handle yields a subset, and moving it
// over a channel keeps the set unchanged.
type Rights uint32

// The rights, listed once. docs/abi.md is checked against this list.
const (
	// RightRead allows reading: channel_read, channel_call.
	RightRead Rights = 1 << iota
	// RightWrite allows writing: channel_write, log_write, writing a region.
	RightWrite
	// RightDuplicate allows handle_duplicate.
	RightDuplicate
	// RightTransfer allows moving the handle to another process over a
	// channel.
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
func (r Rights) String() string {
	if r == 0 {
		return "none"
	}
	var names []string
	for _, ri := range RightList {
		if r&ri.Right != 0 {
			names = append(names, ri.Name)
		}
	}
	if extra := r &^ RightsAll; extra != 0 {
		names = append(names, "unknown")
	}
	return strings.Join(names, "|")
}
