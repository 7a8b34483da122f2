package shell

import (
	"io/fs"
	"time"
)

// System is how the shell reaches the machine it runs on. The kernel's
// main package implements it with the kernel's and drivers' packages, so
// that the shell imports nothing below it; tests implement it in memory.
type System interface {
	// Memory reports physical memory in bytes.
	Memory() (total, used, free uint64)
	// Uptime is the time since the machine started.
	Uptime() time.Duration
	// Now is the wall-clock time.
	Now() time.Time
	// Counters are the interrupt and runtime counters for stats, in the
	// order to print them.
	Counters() []Counter
	// KernelLog returns the kernel's log, oldest line first.
	KernelLog() []string
	// Files is the initial RAM disk's file tree (empty when there is none).
	Files() fs.FS
	// Shutdown powers the machine off; it returns only on failure.
	Shutdown() error
	// Reboot resets the machine; it returns only on failure.
	Reboot() error
}

// Counter is one named figure for stats.
type Counter struct {
	Name  string
	Value uint64
}

// MemoryReserve is a System whose kernel keeps memory for itself: what it
// keeps, in bytes, and how close free memory is to it, from 0 (at least
// half of what lies above the reserve is free) to 1 (none is).
type MemoryReserve interface {
	MemoryReserve() (reserve uint64, pressure float64)
}

// Devices is a System that knows the machine's PCI functions, which lspci
// lists. A System without it has none to show.
type Devices interface {
	// PCIFunctions lists the functions the kernel found, in address
	// order.
	PCIFunctions() []PCIFunction
}

// PCIFunction is what lspci shows of a PCI function.
type PCIFunction struct {
	Addr     string // bus:device.function in hex, as "00:1f.2"
	VendorID uint16
	DeviceID uint16
	Class    string // a short name, as "host bridge", or "other" and the class code
	// Driver names the driver bound to the function and Process the
	// process it runs in: empty and 0 while none is.
	Driver  string
	Process uint64
	// Details are lspci -v's lines about the function: BARs,
	// interrupts, capabilities.
	Details []string
}
