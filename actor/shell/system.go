package shell

import (
	"io"
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
	// Files is the machine's file tree, read-only: the initial RAM disk
	// and whatever the kernel mounts beside it. Its names are those of
	// fs.FS: "etc/motd" for /etc/motd.
	Files() fs.FS
	// Shutdown powers the machine off; it returns only on failure.
	Shutdown() error
	// Reboot resets the machine; it returns only on failure.
	Reboot() error
}

// CrashDumper is a System whose host can dump the machine's memory as an
// ELF core (a crash dump) when the kernel asks.
type CrashDumper interface {
	// CrashDump asks the host for a dump and returns at once: the host
	// pauses the machine while it writes the dump. It fails when no
	// host tool is there to take it.
	CrashDump() error
	// Panic panics the kernel with reason, outside any command's
	// recovery, as a kernel bug would: the panic asks for a dump when a
	// host tool takes them, and ends the machine.
	Panic(reason string)
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

// DriverControl is a System whose device drivers can be stopped and
// started again while it runs, by the function's address ("00:04.0").
type DriverControl interface {
	// StopDriver ends the driver of the function at addr, which
	// releases the device.
	StopDriver(addr string) error
	// StartDriver starts the function's driver, or, if program is not
	// "", that program of /bin in its place.
	StartDriver(addr, program string) error
}

// Network is a System with a network service: ifconfig shows its
// interfaces and ping sends echo requests through it.
type Network interface {
	Interfaces() ([]Interface, error)
	// Ping sends echo request seq to host, an IPv4 address, and waits
	// for its reply at most timeout.
	Ping(host string, seq int, timeout time.Duration) (time.Duration, error)
}

// Interface is what ifconfig shows of a network interface.
type Interface struct {
	Name, MAC     string
	Addr, Gateway string // "10.0.2.15/24", "10.0.2.2"
	FramesIn      uint64
	BytesIn       uint64
	FramesOut     uint64
	BytesOut      uint64
	DroppedIn     uint64
	ErrorsOut     uint64
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

// Writable is a System whose files can be changed: the commands that
// write (redirection, cp, mv, rm, mkdir, df) need it. Names are absolute,
// cleaned and slash-separated, as "/disk/a/b.txt"; they name the files
// that Files shows as "disk/a/b.txt". Errors are the file system's, as
// *fs.PathError where there is a path to name, with causes that match
// fs.ErrNotExist, fs.ErrExist and fs.ErrPermission where they apply.
type Writable interface {
	// Create opens name for writing, creating it if it is missing. With
	// append what the file holds is kept and writes go after it; else
	// the file is truncated.
	Create(name string, append bool) (io.WriteCloser, error)
	// Mkdir makes one directory; its parent must exist.
	Mkdir(name string) error
	// Remove removes a file or an empty directory.
	Remove(name string) error
	// Rename moves oldname to newname, replacing a file there.
	Rename(oldname, newname string) error
	// Usage says how large the volume holding name is and how much of
	// it is free.
	Usage(name string) (Usage, error)
}

// Usage is what df shows of a volume.
type Usage struct {
	Total, Free uint64 // bytes
	ReadOnly    bool
	Kind        string // the file system, as "fat32"
}

// Modules is a System with a module manager: the mod commands drive it,
// and spawn starts clients of the services its modules provide.
type Modules interface {
	// Modules lists the modules the manager knows, by name.
	Modules() []ModuleInfo
	// InstallModule verifies and installs the module file at src, a
	// path or an http:// URL, and says what it installed.
	InstallModule(src string) (string, error)
	// StartModule activates the highest installed version of name.
	StartModule(name string) error
	// StopModule stops name's instance; it stays installed.
	StopModule(name string) error
	// ReplaceModule installs the module file at src and replaces name's
	// instance by its version, handing the state over.
	ReplaceModule(name, src string) (string, error)
	// RevokeModule kills name's instance, revokes its handles and
	// forgets its versions.
	RevokeModule(name string) error
	// ModuleLog is the audit log's records, a line each, oldest first.
	ModuleLog() []string
	// ConnectService opens a client of a module's service that speaks
	// in lines; it fails with ErrUnknownCommand when no module provides
	// the service.
	ConnectService(name string) (ServiceClient, error)
}

// ModuleInfo is what mod list shows of a module.
type ModuleInfo struct {
	Name, Version, State string
	PID                  uint64
	// Key is the signing key's ID, "tainted" when none stood.
	Key string
	// Caps are the capabilities its manifest asks for: memory, threads,
	// devices, services provided and used.
	Caps []string
}

// ServiceClient is a channel to a module's service, spoken in lines.
type ServiceClient interface {
	// Do sends the request line says and returns the reply as a line.
	Do(line string, timeout time.Duration) (string, error)
	// Close ends the client's channel.
	Close() error
}
