package abi

import "strconv"

// Syscall numbers: what RAX holds on SYSCALL. A number is the index of its
// call in the table below and never changes once released.
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
	SysDeviceInfo
	SysDeviceConfigRead
	SysDeviceConfigWrite
	SysDeviceMap
	SysDeviceDMAAlloc
	SysDeviceIRQ
	SysDeviceIOPorts
	SysRandomAdd
	SysMetricsRead

	// NumCalls is the number of syscalls; numbers from NumCalls up are
	// unknown to the kernel (ENOSYS).
	NumCalls
)

// ArgKind says what a syscall argument holds.
type ArgKind int

// The argument kinds.
const (
	ArgValue    ArgKind = iota // a plain number
	ArgHandle                  // a handle of the caller
	ArgRights                  // a set of rights
	ArgPtr                     // a user address
	ArgLen                     // a length or count
	ArgDeadline                // nanoseconds of the monotonic clock; 0 now, all ones never
)

// Arg is one syscall argument.
type Arg struct {
	Name string
	Kind ArgKind
	Doc  string
}

// Call is one syscall's specification: what docs/abi.md says of it, and
// what the kernel's dispatcher and the SDK are checked against.
type Call struct {
	Num     int
	Name    string
	Args    []Arg
	Returns string // what RDX holds on success
	Rights  string // rights required, in words
	Errors  []Errno
	Effect  string
	// Wired is false for calls declared for the ABI whose kernel side is
	// not there yet: they return ENOSYS.
	Wired bool
}

// Calls returns the syscall table, indexed by number. The slice is shared:
// callers must not modify it.
func Calls() []Call { return table[:] }

// CallName returns the name of syscall num as docs/abi.md spells it, or
// "syscall N" for a number the kernel does not know.
func CallName(num uint64) string {
	if num < NumCalls {
		return table[num].Name
	}
	return "syscall " + strconv.FormatUint(num, 10)
}

var table [NumCalls]Call

var handleErrs = []Errno{EBADH, ECLOSED, EREVOKED}

func errs(groups ...[]Errno) []Errno {
	var out []Errno
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func init() {
	for _, c := range []Call{
		{
			Num: SysHandleClose, Name: "handle_close",
			Args:   []Arg{{"handle", ArgHandle, "the handle to close"}},
			Rights: "none",
			Errors: []Errno{EBADH, ECLOSED},
			Effect: "Removes the handle from the caller's table. A revoked handle is closed the same way. When it was the last handle to its object, the object goes away (a channel endpoint's peer sees EPEERCLOSED).",
			Wired:  true,
		},
		{
			Num: SysHandleDuplicate, Name: "handle_duplicate",
			Args:    []Arg{{"handle", ArgHandle, "the handle to copy"}, {"rights", ArgRights, "rights of the copy: a subset of the handle's"}},
			Returns: "the new handle",
			Rights:  "duplicate on handle",
			Errors:  errs(handleErrs, []Errno{EACCES, EINVAL, ENOSPACE}),
			Effect:  "Adds a handle to the same object with the given rights, derived from handle: revoking handle revokes it.",
			Wired:   true,
		},
		{
			Num: SysHandleReplace, Name: "handle_replace",
			Args:    []Arg{{"handle", ArgHandle, "the handle to replace"}, {"rights", ArgRights, "rights of the replacement: a subset of the handle's"}},
			Returns: "the new handle",
			Rights:  "none (it can only drop rights)",
			Errors:  errs(handleErrs, []Errno{EACCES, EINVAL}),
			Effect:  "Closes handle and adds one to the same object with the given rights. On error handle is unchanged.",
			Wired:   true,
		},
		{
			Num: SysHandleRevoke, Name: "handle_revoke",
			Args:   []Arg{{"handle", ArgHandle, "the handle whose derived handles to revoke"}},
			Rights: "none",
			Errors: handleErrs,
			Effect: "Revokes every handle derived from handle by duplicate or replace, at any depth, in any process or in flight in a message. handle itself stays valid.",
			Wired:  true,
		},
		{
			Num: SysChannelCreate, Name: "channel_create",
			Args: []Arg{
				{"schema", ArgPtr, "the channel's schema in binary form (see Schemas)"},
				{"schema_len", ArgLen, "its length in bytes"},
				{"depth", ArgLen, "queue length of each endpoint, 0 for 64, at most 1024"},
				{"out", ArgPtr, "where the two endpoint handles are written, uint32 each"},
			},
			Rights: "none",
			Errors: []Errno{EFAULT, EBADSCHEMA, EINVAL, ENOSPACE},
			Effect: "Creates a channel and adds its two endpoints to the caller's table with read, write, duplicate, transfer and wait.",
			Wired:  true,
		},
		{
			Num: SysChannelWrite, Name: "channel_write",
			Args: []Arg{
				{"handle", ArgHandle, "a channel endpoint"},
				{"desc", ArgPtr, "a message descriptor (see Messages): type, txid, data and handles to send"},
				{"deadline", ArgDeadline, "how long to wait for room in the peer's queue"},
			},
			Rights: "write on handle; transfer on every handle sent, plus the rights the schema wants",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EFAULT, ESCHEMA, ETOOLARGE, EINVAL, EPEERCLOSED, EQUEUEFULL, ETIMEDOUT, ELIMIT, ENOMEM}),
			Effect: "Checks the message against the channel's schema, charges its data (plus 8 bytes a handle and 96 bytes of overhead) to the caller's memory limit until it is read (ELIMIT over the limit, ENOMEM when the kernel's reserve would be touched), waits for room in the peer's queue, then moves the handles out of the caller's table (all or none) and queues the message. A channel endpoint whose own queue holds channel endpoints cannot be sent (EINVAL): with that rule endpoints in flight never form a cycle that no process could reach, so every endpoint goes away with its last handle. A message refused for any reason is not queued and the caller keeps its handles. A txid that a call on the peer waits for delivers the message to that call as its reply.",
			Wired:  true,
		},
		{
			Num: SysChannelRead, Name: "channel_read",
			Args: []Arg{
				{"handle", ArgHandle, "a channel endpoint"},
				{"desc", ArgPtr, "a message descriptor giving the buffers and their capacities; type, txid and lengths are written back"},
				{"deadline", ArgDeadline, "how long to wait for a message"},
			},
			Rights: "read on handle",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EFAULT, EBUFSMALL, ENOSPACE, EPEERCLOSED, EEMPTY, ETIMEDOUT}),
			Effect: "Takes the next message: copies its data, adds its handles to the caller's table and writes their values. When it does not fit, or a buffer is not writable, or the table has no room, the message stays queued (EBUFSMALL writes the sizes needed into desc).",
			Wired:  true,
		},
		{
			Num: SysChannelCall, Name: "channel_call",
			Args: []Arg{
				{"handle", ArgHandle, "a channel endpoint"},
				{"wdesc", ArgPtr, "the request, as for channel_write (its txid is ignored)"},
				{"rdesc", ArgPtr, "buffers for the reply, as for channel_read"},
				{"deadline", ArgDeadline, "how long to wait for room and for the reply; 0 is EINVAL"},
			},
			Rights: "read and write on handle; as channel_write for the handles sent",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EFAULT, ESCHEMA, ETOOLARGE, EINVAL, EPEERCLOSED, ETIMEDOUT, EBUFSMALL, ENOSPACE, ELIMIT, ENOMEM}),
			Effect: "Sends the request with a fresh transaction id, as channel_write, and waits for the reply carrying the same id, which is returned as channel_read does; other messages stay queued. A reply the caller cannot take (it does not fit rdesc: EBUFSMALL with the sizes written back; a buffer not writable; a full handle table) is not lost: it goes to the head of the caller's queue, where the next channel_read finds it.",
			Wired:  true,
		},
		{
			Num: SysObjectWaitMany, Name: "object_wait_many",
			Args: []Arg{
				{"items", ArgPtr, "an array of wait items (see Waiting)"},
				{"count", ArgLen, "the number of items, 1 to 64"},
				{"deadline", ArgDeadline, "when to give up"},
			},
			Returns: "the number of items with a wanted signal raised",
			Rights:  "wait on every handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EFAULT, EINVAL, ETIMEDOUT}),
			Effect:  "Waits until an item's object raises a wanted signal or the deadline passes, and writes every item's observed signals back (also on ETIMEDOUT). Objects that can be waited on: channel endpoints, processes, timers.",
			Wired:   true,
		},
		{
			Num: SysProcessSelf, Name: "process_self", Returns: "the caller's process id",
			Rights: "none", Errors: []Errno{},
			Effect: "None: the cheapest call, the null syscall of the benchmarks.",
			Wired:  true,
		},
		{
			Num: SysProcessExit, Name: "process_exit",
			Args:   []Arg{{"code", ArgValue, "the exit status, low 32 bits"}},
			Rights: "none", Errors: []Errno{},
			Effect: "Ends the caller: closes every handle it holds and raises Signaled on its process object. The call does not return to the caller.",
			Wired:  true,
		},
		{
			Num: SysLogWrite, Name: "log_write",
			Args:   []Arg{{"handle", ArgHandle, "a log"}, {"ptr", ArgPtr, "the record"}, {"len", ArgLen, "its length, at most 4096"}},
			Rights: "write on handle",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EFAULT, ETOOLARGE, EIO}),
			Effect: "Writes one record to the log, prefixed with the log's name.",
			Wired:  true,
		},
		{
			Num: SysConsoleWrite, Name: "console_write",
			Args:    []Arg{{"ptr", ArgPtr, "the bytes"}, {"len", ArgLen, "how many, at most 4096"}},
			Returns: "the number of bytes written",
			Rights:  "none; the process must have been started with a console",
			Errors:  []Errno{EFAULT, ETOOLARGE, EACCES, EIO},
			Effect:  "Writes to the process's console: its standard output and error.",
			Wired:   true,
		},
		{
			Num: SysClockGet, Name: "clock_get",
			Args:    []Arg{{"clock", ArgValue, "0: monotonic, nanoseconds since the kernel started; 1: wall clock, nanoseconds since 1970 UTC"}},
			Returns: "the clock's value",
			Rights:  "none", Errors: []Errno{EINVAL},
			Effect: "None.",
			Wired:  true,
		},
		{
			Num: SysClockSleep, Name: "clock_sleep",
			Args:   []Arg{{"deadline", ArgDeadline, "when to wake; never is EINVAL"}},
			Rights: "none", Errors: []Errno{EINVAL},
			Effect: "Blocks the calling thread until the monotonic clock reaches deadline.",
			Wired:  true,
		},
		{
			Num: SysTaskYield, Name: "task_yield",
			Rights: "none", Errors: []Errno{},
			Effect: "Lets other runnable goroutines of the kernel run first.",
			Wired:  true,
		},
		{
			Num: SysRandomGet, Name: "random_get",
			Args:   []Arg{{"ptr", ArgPtr, "the buffer"}, {"len", ArgLen, "its length, at most 4096"}},
			Rights: "none", Errors: []Errno{EFAULT, ETOOLARGE},
			Effect: "Fills the buffer with random bytes from the kernel's generator (crypto/rand).",
			Wired:  true,
		},
		{
			Num: SysTimerCreate, Name: "timer_create", Returns: "a handle to a new timer, with wait, signal, duplicate and transfer",
			Rights: "none", Errors: []Errno{ENOSPACE},
			Effect: "Creates a disarmed timer.",
			Wired:  true,
		},
		{
			Num: SysTimerSet, Name: "timer_set",
			Args:   []Arg{{"handle", ArgHandle, "a timer"}, {"deadline", ArgDeadline, "when it fires"}},
			Rights: "signal on handle",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES}),
			Effect: "Clears the timer's Signaled and arms it to raise Signaled at deadline, replacing an earlier deadline.",
			Wired:  true,
		},
		{
			Num: SysTimerCancel, Name: "timer_cancel",
			Args:   []Arg{{"handle", ArgHandle, "a timer"}},
			Rights: "signal on handle",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES}),
			Effect: "Disarms the timer and clears Signaled.",
			Wired:  true,
		},
		{
			Num: SysVMMap, Name: "vm_map",
			Args: []Arg{
				{"addr", ArgPtr, "where, page aligned; 0 lets the kernel choose"},
				{"len", ArgLen, "bytes, a multiple of 4096"},
				{"prot", ArgValue, "1 read, 2 write, 3 both (execute is never granted)"},
			},
			Returns: "the address of the mapping",
			Rights:  "none (the caller's own address space)",
			Errors:  []Errno{EINVAL, ENOMEM, ENOSYS},
			Effect:  "Reserves demand-zero memory in the caller's address space: each page is backed by a zeroed frame when first touched. With addr 0 the kernel picks a free range; a fixed range that overlaps a mapping fails with ENOMEM unless it lies wholly inside one anonymous mapping with the same protection, which makes the call a no-op (the user runtime re-commits memory it released this way). This is how the user runtime's heap grows. Reserving charges nothing; each page is charged to the process's memory limit when first touched, and a touch beyond the limit (or into the kernel's reserve) kills the process with a report naming it.",
			Wired:   true,
		},
		{
			Num: SysVMUnmap, Name: "vm_unmap",
			Args: []Arg{
				{"addr", ArgPtr, "page aligned"}, {"len", ArgLen, "bytes, a multiple of 4096"},
				{"flags", ArgValue, "1 (keep): free the frames but keep the range mapped, so that it reads as zero again"},
			},
			Rights: "none",
			Errors: []Errno{EINVAL, ENOSYS},
			Effect: "Frees the frames behind [addr, addr+len) of the caller's anonymous mappings. Without keep the range leaves the address space too: touching it afterwards kills the process. Parts of the range that are not mapped are skipped; the program's image and stack cannot be unmapped (EINVAL).",
			Wired:  true,
		},
		{
			Num: SysProcessSpawn, Name: "process_spawn",
			Args: []Arg{
				{"image", ArgPtr, "the program's name: NAME for /bin/NAME of the initrd"}, {"image_len", ArgLen, "its length, at most 64"},
				{"handles", ArgPtr, "handles to move into the new process, uint32 each"}, {"count", ArgLen, "their number, at most 16"},
				{"args", ArgPtr, "the arguments, each followed by a NUL byte; args[0] is the program's name"}, {"args_len", ArgLen, "their total length, at most 4096"},
			},
			Returns: "a handle to the new process with wait, manage, duplicate and transfer",
			Rights:  "transfer on every handle passed",
			Errors:  errs(handleErrs, []Errno{EFAULT, EINVAL, EACCES, ENOSPACE, ETOOLARGE, ENOMEM, ELIMIT, ENOSYS, EIO}),
			Effect:  "Loads the program from the initrd into a new address space and starts it with the given arguments, holding exactly the handles passed, which leave the caller's table (all or none). The child finds their new values, in order, in its environment variable CLK_HANDLES (hexadecimal, comma-separated). The process handle raises Signaled when the process ends. The child has the caller's limits and counts against them, as one more child (ELIMIT beyond the limit on children) and in everything it uses.",
			Wired:   true,
		},
		{
			Num: SysIRQWait, Name: "irq_wait",
			Args:    []Arg{{"handle", ArgHandle, "an IRQ"}, {"deadline", ArgDeadline, "when to give up"}},
			Returns: "how many times the interrupt fired since the last irq_wait returned, at least 1",
			Rights:  "wait on handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, ETIMEDOUT, ECLOSED, EPEERCLOSED}),
			Effect:  "Waits until the interrupt has fired at least once since the last irq_wait on it returned, then clears its Signaled and returns the count. An IRQ raises Signaled while an interrupt is pending, so object_wait_many can wait for it beside channels. When the device the IRQ came from is released, a wait returns EPEERCLOSED.",
			Wired:   true,
		},
		{
			Num: SysIOPortAccess, Name: "ioport_access",
			Args: []Arg{
				{"handle", ArgHandle, "an I/O port range"}, {"port", ArgValue, "the port, inside the range with its width"},
				{"op", ArgValue, "the width in bytes (1, 2 or 4), plus 0x100 to write"}, {"value", ArgValue, "what to write"},
			},
			Returns: "for a read, the value read",
			Rights:  "read on handle to read, write on handle to write",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EINVAL}),
			Effect:  "Reads or writes one I/O port of the range for the caller, with IN or OUT of the given width. The kernel does the access itself: clk gives no process the I/O privilege level or an I/O permission bitmap, so a driver reaches only the ports of its handles, one call per access.",
			Wired:   true,
		},
		{
			Num: SysThreadCreate, Name: "thread_create",
			Args: []Arg{
				{"entry", ArgPtr, "where the thread starts"}, {"stack", ArgPtr, "its initial RSP"},
				{"fsbase", ArgValue, "its FS base (TLS): 0 or a user address"}, {"arg", ArgValue, "its initial RDI"},
			},
			Returns: "the thread's id, unique in the process",
			Rights:  "none",
			Errors:  []Errno{EINVAL, ELIMIT, ENOMEM, ENOSYS},
			Effect:  "Starts a thread in the caller's process with every other register zero and a fresh FPU state. The thread is scheduled by the kernel like any other. Each thread counts against the process's thread limit (256 by default) and 16 KiB of its memory limit while it lives; beyond either, ELIMIT.",
			Wired:   true,
		},
		{
			Num: SysThreadExit, Name: "thread_exit",
			Args:   []Arg{{"wait", ArgPtr, "0, or a uint32 the kernel sets to 0 once the thread has stopped"}},
			Rights: "none",
			Errors: []Errno{ENOSYS},
			Effect: "Ends the calling thread; it never returns. The store to wait tells the user runtime that the thread's stack may be freed. The last thread's exit ends the process with status 0.",
			Wired:  true,
		},
		{
			Num: SysThreadSetFS, Name: "thread_set_fs",
			Args:   []Arg{{"base", ArgValue, "the FS base, a user address"}},
			Rights: "none",
			Errors: []Errno{EINVAL, ENOSYS},
			Effect: "Sets the calling thread's FS base, where the Go runtime keeps its thread-local g.",
			Wired:  true,
		},
		{
			Num: SysFutexWait, Name: "futex_wait",
			Args: []Arg{
				{"addr", ArgPtr, "a uint32, 4-byte aligned"}, {"value", ArgValue, "the value it must still hold"},
				{"deadline", ArgDeadline, "when to give up"},
			},
			Rights: "none",
			Errors: []Errno{EFAULT, EINVAL, EAGAIN, ETIMEDOUT, ECLOSED, ENOSYS},
			Effect: "Blocks the calling thread while the uint32 at addr holds value, until futex_wake on addr or the deadline. Returns EAGAIN at once if it holds another value. The check and the wait are atomic with respect to futex_wake. A wait still blocked when the process ends returns ECLOSED.",
			Wired:  true,
		},
		{
			Num: SysFutexWake, Name: "futex_wake",
			Args:    []Arg{{"addr", ArgPtr, "a uint32, 4-byte aligned"}, {"count", ArgLen, "how many waiters to wake"}},
			Returns: "how many were woken",
			Rights:  "none",
			Errors:  []Errno{EINVAL, ENOSYS},
			Effect:  "Wakes up to count threads of the caller's process waiting in futex_wait on addr.",
			Wired:   true,
		},
		{
			Num: SysSystemInfo, Name: "system_info",
			Args:   []Arg{{"buf", ArgPtr, "where to write"}, {"len", ArgLen, "its size, at least 40"}},
			Rights: "none",
			Errors: []Errno{EFAULT, EINVAL},
			Effect: "Writes five little-endian uint64s: the number of CPUs; the TSC base and multiplier that give the monotonic clock of clock_get and deadlines as ((tsc - base) * mult) >> 32 (a 128-bit product); the Unix time in ns at monotonic 0; the page size. The user runtime reads time from the TSC with them, without a syscall.",
			Wired:  true,
		},
		{
			Num: SysFaultEntry, Name: "fault_entry",
			Args:   []Arg{{"entry", ArgPtr, "0, or where faulting threads resume"}},
			Rights: "none",
			Errors: []Errno{EINVAL, ENOSYS},
			Effect: "Sets where a thread of the caller's process resumes when it divides by zero (#DE) or touches the nil page (an address below 4096): at entry, with RDI the vector, RSI the address, RDX the faulting instruction and every other register, RSP included, as at the fault. The Go runtime turns this into its run-time panic, which a deferred recover can stop. With 0, or for a fault at entry itself, or for any other fault, the kernel kills the process with a report.",
			Wired:  true,
		},
		{
			Num: SysDeviceInfo, Name: "device_info",
			Args:   []Arg{{"handle", ArgHandle, "a device"}, {"buf", ArgPtr, "where to write"}, {"len", ArgLen, "its size, at least 120"}},
			Rights: "read on handle",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EFAULT, EINVAL}),
			Effect: "Writes the device's DeviceInfo record: its PCI address, IDs and class, its BARs (kind and size; never their physical addresses), its interrupts (the MSI-X table size, the MSI vectors, the INTx pin) and the size of its configuration space.",
			Wired:  true,
		},
		{
			Num: SysDeviceConfigRead, Name: "device_config_read",
			Args:    []Arg{{"handle", ArgHandle, "a device"}, {"offset", ArgValue, "into the function's configuration space, aligned to width"}, {"width", ArgValue, "1, 2 or 4 bytes"}},
			Returns: "the value read",
			Rights:  "read on handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EINVAL}),
			Effect:  "Reads the device's own PCI configuration space, and no other function's.",
			Wired:   true,
		},
		{
			Num: SysDeviceConfigWrite, Name: "device_config_write",
			Args: []Arg{
				{"handle", ArgHandle, "a device"}, {"offset", ArgValue, "into the function's configuration space, aligned to width"},
				{"width", ArgValue, "1, 2 or 4 bytes"}, {"value", ArgValue, "what to write"},
			},
			Rights: "write on handle",
			Errors: errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EINVAL}),
			Effect: "Writes the device's configuration space where a driver may: the command register's I/O, memory, bus-master and INTx-disable bits (the others keep their value), and the bodies of vendor-specific capabilities (ID 9, bytes 3 and up). Everything else (BARs, the MSI and MSI-X capabilities, other functions) is the kernel's: EINVAL.",
			Wired:  true,
		},
		{
			Num: SysDeviceMap, Name: "device_map",
			Args:    []Arg{{"handle", ArgHandle, "a device"}, {"bar", ArgValue, "the memory BAR, 0 to 5"}},
			Returns: "the address of the mapping",
			Rights:  "map on handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EINVAL, ENOMEM}),
			Effect:  "Maps the whole BAR, rounded up to pages, uncached and read-write, into the caller's address space, and returns where. Each BAR is mapped once per device handle's object: a second call returns the same address. The mapping goes when the device is released; vm_unmap cannot remove it, and syscalls refuse it as a buffer (EFAULT).",
			Wired:   true,
		},
		{
			Num: SysDeviceDMAAlloc, Name: "device_dma_alloc",
			Args:    []Arg{{"handle", ArgHandle, "a device"}, {"len", ArgLen, "bytes, rounded up to pages; at most 4 MiB at once"}, {"phys", ArgPtr, "where to write the physical address, a uint64"}},
			Returns: "the address of the mapping",
			Rights:  "map on handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EINVAL, EFAULT, ENOMEM, ELIMIT}),
			Effect:  "Allocates physically contiguous zeroed memory for the device to read and write by DMA, maps it read-write into the caller's address space and writes its physical address to phys. It counts against the caller's memory limit, and a device holds at most 64 MiB. When the device is released the kernel turns the device's bus mastering off, then unmaps and frees the memory.",
			Wired:   true,
		},
		{
			Num: SysDeviceIRQ, Name: "device_irq",
			Args:    []Arg{{"handle", ArgHandle, "a device"}, {"index", ArgValue, "the MSI-X table entry, or 0 for MSI or INTx"}},
			Returns: "a handle to an IRQ with wait, duplicate and transfer",
			Rights:  "manage on handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EINVAL, EBUSY, ENOSPACE, ENOMEM}),
			Effect:  "Routes one of the device's interrupts to a vector of the kernel and returns an IRQ for it: entry index of the MSI-X table when the device has MSI-X (which is then enabled), else its single MSI vector (index 0), else its INTx line (index 0; the INTx-disable bit is cleared). INTx is level-triggered: the kernel masks the line at each interrupt and unmasks it when irq_wait takes the interrupts, so the driver acknowledges its device (a virtio driver reads the ISR status) after each irq_wait. A device with no interrupt, or whose pin firmware routed to no ISA interrupt, gets EINVAL; a line already routed to another device's driver gets EBUSY (lines are not shared). Asking again for the same index returns another handle to the same IRQ.",
			Wired:   true,
		},
		{
			Num: SysDeviceIOPorts, Name: "device_ioports",
			Args:    []Arg{{"handle", ArgHandle, "a device"}, {"bar", ArgValue, "the I/O BAR, 0 to 5"}},
			Returns: "a handle to the BAR's I/O port range with read, write, duplicate and transfer",
			Rights:  "manage on handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EINVAL, ENOSPACE}),
			Effect:  "Returns the I/O port range the BAR decodes, for ioport_access.",
			Wired:   true,
		},
		{
			Num: SysRandomAdd, Name: "random_add",
			Args:   []Arg{{"buf", ArgPtr, "entropy"}, {"len", ArgLen, "its length, at most 4096"}},
			Rights: "none",
			Errors: []Errno{EFAULT, ETOOLARGE},
			Effect: "Mixes the bytes into the kernel's random pool, which random_get draws from. Anyone may add: the pool hashes what it is given into its state, so bytes an attacker chooses cannot make its output weaker, only fail to make it stronger.",
			Wired:  true,
		},
		{
			Num: SysMetricsRead, Name: "metrics_read",
			Args:    []Arg{{"handle", ArgHandle, "a metrics object"}, {"buf", ArgPtr, "where the record goes"}, {"len", ArgLen, "the buffer's length, at most 1 MiB"}},
			Returns: "the record's length in bytes",
			Rights:  "read on handle",
			Errors:  errs(handleErrs, []Errno{EWRONGTYPE, EACCES, EFAULT, ETOOLARGE, EBUFSMALL}),
			Effect:  "Writes one metrics record (docs/supervisor.md, the CLKS encoding of aisup/metrics) into the buffer: a sample per running process, the module it is an instance of named, whose counters count what happened since the previous metrics_read on the same object (since the object was made, the first time) and whose gauges are values now. A buffer over 1 MiB gets ETOOLARGE. A record that does not fit the buffer gets EBUFSMALL and is not consumed: the next call returns it again, with more since.",
			Wired:   true,
		},
	} {
		table[c.Num] = c
	}
}
