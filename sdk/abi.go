package sdk

import (
	"strconv"
	"strings"
)

// Syscall numbers: what RAX holds on SYSCALL. They are those of the
// kernel's table (kernel/abi) and docs/abi.md, which the tests check.
const (
	SysHandleClose = iota
	SysHandleDuplicate
	SysHandleReplace
	SysHandleRevoke
	SysChannelCreate
	SysChannelWrite
	SysChannelRead
	SysChannelCall
	SysObjectWaitMany
	SysProcessSelf
	SysProcessExit
	SysLogWrite
	SysConsoleWrite
	SysClockGet
	SysClockSleep
	SysTaskYield
	SysRandomGet
	SysTimerCreate
	SysTimerSet
	SysTimerCancel
	SysVMMap
	SysVMUnmap
	SysProcessSpawn
	SysIRQWait
	SysIOPortAccess
	SysThreadCreate
	SysThreadExit
	SysThreadSetFS
	SysFutexWait
	SysFutexWake
	SysSystemInfo
	SysFaultEntry

	// NumCalls is the number of syscalls; numbers from NumCalls up are
	// unknown to the kernel (ENOSYS).
	NumCalls
)

// callNames are the syscalls' names as docs/abi.md spells them.
var callNames = [NumCalls]string{
	"handle_close", "handle_duplicate", "handle_replace", "handle_revoke",
	"channel_create", "channel_write", "channel_read", "channel_call",
	"object_wait_many", "process_self", "process_exit", "log_write",
	"console_write", "clock_get", "clock_sleep", "task_yield", "random_get",
	"timer_create", "timer_set", "timer_cancel", "vm_map", "vm_unmap",
	"process_spawn", "irq_wait", "ioport_access", "thread_create",
	"thread_exit", "thread_set_fs", "futex_wait", "futex_wake", "system_info",
	"fault_entry",
}

// CallName returns the name of syscall num, or "syscall N" for a number
// the kernel does not know.
func CallName(num uint64) string {
	if num < NumCalls {
		return callNames[num]
	}
	return "syscall " + strconv.FormatUint(num, 10)
}

// Limits of the kernel that callers may need to size buffers.
const (
	// MaxData is the most data bytes one message carries.
	MaxData = 64 << 10
	// MaxHandles is the most handles one message carries.
	MaxHandles = 64
	// MaxQueue is the longest queue a channel endpoint may have.
	MaxQueue = 1024
	// MaxWaitItems is the most items WaitMany takes.
	MaxWaitItems = 64
	// MaxIOBytes is the most bytes one console_write or random_get
	// moves; ConsoleWrite and Random split longer buffers.
	MaxIOBytes = 4096
	// MaxImageName is the longest program name Spawn takes.
	MaxImageName = 64
	// MaxSpawnArgs is the most bytes a program's arguments take, each
	// counted with a terminating NUL.
	MaxSpawnArgs = 4096
	// MaxSpawnHandles is the most handles Spawn moves into a process.
	MaxSpawnHandles = 16
)

// Rights is a set of rights a handle carries; see docs/abi.md.
type Rights uint32

// The rights.
const (
	// RightRead allows channel_read and channel_call.
	RightRead Rights = 1 << iota
	// RightWrite allows channel_write and log_write.
	RightWrite
	// RightDuplicate allows Duplicate.
	RightDuplicate
	// RightTransfer allows moving the handle over a channel or into a
	// new process.
	RightTransfer
	// RightWait allows waiting on the object's signals.
	RightWait
	// RightSignal allows arming the object's signals (a timer).
	RightSignal
	// RightMap allows mapping a memory region.
	RightMap
	// RightManage allows managing the object itself (killing a process).
	RightManage

	// RightsNone is the empty set.
	RightsNone Rights = 0
	// RightsAll is every right above.
	RightsAll = RightManage<<1 - 1
)

var rightNames = []string{"read", "write", "duplicate", "transfer", "wait", "signal", "map", "manage"}

// String lists the rights by name, joined by '|', or "none".
func (r Rights) String() string { return bitNames(uint32(r), rightNames) }

// Signals is a set of states a waitable object can be in.
type Signals uint32

// The signals.
const (
	// Readable: a channel endpoint has a message queued.
	Readable Signals = 1 << iota
	// Writable: the peer of a channel endpoint has room in its queue.
	Writable
	// PeerClosed: the peer of a channel endpoint is gone.
	PeerClosed
	// Signaled: a timer fired; a process ended.
	Signaled
)

var signalNames = []string{"readable", "writable", "peer_closed", "signaled"}

// String lists the signals by name, joined by '|', or "none".
func (s Signals) String() string { return bitNames(uint32(s), signalNames) }

// ObjectType names a kind of kernel object, as schemas name the handles a
// message carries.
type ObjectType uint32

// The object types.
const (
	TypeAny ObjectType = iota // any type: only in schemas
	TypeProcess
	TypeChannel
	TypeRegion
	TypeIOPorts
	TypeIRQ
	TypeTimer
	TypeLog
)

var typeNames = []string{"any", "process", "channel", "region", "ioports", "irq", "timer", "log"}

// String returns the type's name as docs/abi.md spells it.
func (t ObjectType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type " + strconv.FormatUint(uint64(t), 10)
}

// bitNames spells a bit set with one name per bit, from bit 0 up.
func bitNames(v uint32, names []string) string {
	if v == 0 {
		return "none"
	}
	var b strings.Builder
	for i, n := range names {
		if v&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(n)
	}
	if v>>len(names) != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("unknown")
	}
	return b.String()
}
