package abi

// Limits of the kernel that callers size buffers and loops by. The kernel
// refuses what exceeds them with the status docs/abi.md gives each call.
const (
	// MaxData is the most data bytes one message carries.
	MaxData = 64 << 10
	// MaxHandles is the most handles one message carries.
	MaxHandles = 64
	// MaxSchemaTypes is the most message types one schema declares.
	MaxSchemaTypes = 256
	// DefaultQueue is the queue length channel_create gives an endpoint
	// when asked for 0.
	DefaultQueue = 64
	// MaxQueue is the longest queue a channel endpoint may have.
	MaxQueue = 1024
	// MaxWaitItems is the most items object_wait_many takes.
	MaxWaitItems = 64
	// MaxIOBytes is the most bytes one console_write or random_get moves.
	MaxIOBytes = 4096
	// MaxLogRecord is the longest record log_write accepts.
	MaxLogRecord = 4096
	// MaxImageName is the longest program name process_spawn takes.
	MaxImageName = 64
	// MaxSpawnArgs is the most bytes a program's arguments take, each
	// counted with its terminating NUL.
	MaxSpawnArgs = 4096
	// MaxSpawnHandles is the most handles process_spawn moves into a
	// process.
	MaxSpawnHandles = 16
	// MaxThreads is the most threads a process has at once.
	MaxThreads = 256
	// DefaultMaxHandles is the size of a process's handle table.
	DefaultMaxHandles = 4096
	// MaxDMAAlloc is the most bytes one device_dma_alloc allocates.
	MaxDMAAlloc = 4 << 20
	// MaxDMAPerDevice is the most DMA memory one device holds at once.
	MaxDMAPerDevice = 64 << 20
)

// Operations of ioport_access: a width in bytes, with IOPortWrite for a
// write.
const (
	IOPortWrite = 0x100
)

// Deadlines, as the calls that wait take them: nanoseconds of the
// monotonic clock (clock_get with ClockMonotonic).
const (
	// DeadlineNow makes a call that would wait fail at once instead
	// (EQUEUEFULL, EEMPTY, ETIMEDOUT).
	DeadlineNow = 0
	// DeadlineNever waits without limit.
	DeadlineNever = 1<<64 - 1
)

// Clock ids of clock_get.
const (
	// ClockMonotonic counts nanoseconds since the kernel started.
	ClockMonotonic = 0
	// ClockRealtime counts nanoseconds since 1970 UTC.
	ClockRealtime = 1
)

// Protections of vm_map; execute is never granted.
const (
	ProtRead  = 1
	ProtWrite = 2
)

// VMUnmapKeep is vm_unmap's flag that frees the frames but keeps the range
// reserved, reading as zero again.
const VMUnmapKeep = 1

// The user half of an address space: PML4 slots 254 and 255, which every
// process owns alone (docs/processes.md).
const (
	// UserBase is the lowest user address.
	UserBase = 0x0000_7f00_0000_0000
	// UserTop is the end of what a program may map, exclusive: the last
	// page below the canonical hole stays unmapped, so that no instruction
	// of a program ends at the hole.
	UserTop = 0x0000_7fff_ffff_f000
	// UserLinkAddress is the text address ring-3 programs are linked at
	// (the linker's -T), from which the linker picks the user entry point.
	UserLinkAddress = 0x0000_7f00_0010_1000
	// PageSize is the size of a page that vm_map and vm_unmap count in.
	PageSize = 4096
)

// HandlesEnv is the environment variable in which a new process finds the
// handles process_spawn moved into it: their values, in order, hexadecimal,
// comma-separated.
const HandlesEnv = "CLK_HANDLES"
