package x86

// BootInfo is the boot record the runtime built from the loader's data.
type BootInfo struct {
	Loader     string // "pvh" or "multiboot2"
	Cmdline    string
	Memory     []MemRange
	InitrdBase uint64
	InitrdSize uint64
	RSDP       [36]byte // a copy of the ACPI RSDP
	RSDPAddr   uint64   // its physical address when the loader gave one
	// Framebuffer is the linear framebuffer the loader set up; its Addr
	// is 0 when there is none (PVH, or a text-mode boot).
	Framebuffer Framebuffer
}

// Framebuffer describes a linear framebuffer.
type Framebuffer struct {
	Addr                 uint64
	Pitch, Width, Height uint32
	BitsPerPixel         uint8
}

// MemRange is one entry of the firmware's memory map (E820 types).
type MemRange struct {
	Base, Size uint64
	Type       uint32
}

// E820 memory types (ACPI 6.4, table 15.1).
const (
	MemRAM      = 1
	MemReserved = 2
	MemACPI     = 3
	MemNVS      = 4
	MemBad      = 5
)
