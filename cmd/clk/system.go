//go:build clk

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"clk/actor/shell"
	x86 "clk/arch/x86_64"
	"clk/drivers/acpi"
	"clk/drivers/pci"
	"clk/drivers/ps2"
	"clk/drivers/uart"
	"clk/kernel/device"
	"clk/kernel/ipc"
	"clk/kernel/klog"
	"clk/kernel/limit"
	"clk/kernel/proc"
)

// system is the machine as the shell sees it (shell.System).
type system struct {
	log     *klog.Log
	tables  *acpi.Tables
	boot    x86.BootInfo
	procs   *proc.System
	broker  *device.Broker // the PCI functions found at boot; nil without PCI
	drivers *drivers
	storage *storage
	network network
	modules *modules // nil when the manager could not be made
	// disk is the function whose driver serves the file system's
	// disk: the first block device found.
	disk pci.Addr
	// haveDisk says disk is set.
	haveDisk bool
}

// serve takes the kernel's end of the channel a driver serves: a block
// driver's goes to the file system service, if it is the disk's; the
// network service's is the kernel's way to it.
func (s *system) serve(program string, a pci.Addr, ep *ipc.Endpoint) {
	if program == "virtio-net" {
		s.network.start(ep)
		return
	}
	if program != "virtio-blk" || s.haveDisk && s.disk != a {
		s.log.Printf("storage: %v: only the first disk is mounted", a)
		ep.Release()
		return
	}
	s.disk, s.haveDisk = a, true
	if err := s.storage.start(a, ep); err != nil {
		s.log.Printf("%v", err)
	}
}

// hasDisk says whether the machine has a block device whose driver will
// serve the disk that is mounted at /disk.
func (s *system) hasDisk() bool {
	if s.broker == nil {
		return false
	}
	for _, b := range s.broker.Functions() {
		if driverFor(&b.Function) == "virtio-blk" {
			return true
		}
	}
	return false
}

var (
	_ shell.System  = (*system)(nil)
	_ shell.Devices = (*system)(nil)
)

func (*system) Memory() (total, used, free uint64) { return x86.Memory() }

func (*system) MemoryReserve() (uint64, float64) { return limit.Reserve(), limit.Pressure() }

func (*system) Uptime() time.Duration { return x86.SinceReset() }

func (*system) Now() time.Time { return time.Now() }

// Counters are the clocks and the interrupts seen on each vector that has
// fired.
func (*system) Counters() []shell.Counter {
	tsc, lapic := x86.Clocks()
	cs := []shell.Counter{{Name: "tsc MHz", Value: tsc / 1e6}, {Name: "apic timer MHz", Value: lapic / 1e6}}
	for v := 0; v < 256; v++ {
		n := x86.IRQCount(uint8(v))
		if n == 0 {
			continue
		}
		name := fmt.Sprintf("irq vector %d", v)
		switch uint8(v) {
		case x86.TimerVector:
			name += " (timer)"
		case consoleVector:
			name += fmt.Sprintf(" (COM1, ISA IRQ %d)", uart.COM1IRQ)
		case keyboardVector:
			name += fmt.Sprintf(" (keyboard, ISA IRQ %d)", ps2.KeyboardIRQ)
		}
		cs = append(cs, shell.Counter{Name: name, Value: n})
	}
	return cs
}

func (s *system) KernelLog() []string { return s.log.Lines() }

// Files is the initrd, which package syscall mounts at the root.
func (*system) Files() fs.FS { return os.DirFS("/") }

// syncDisk writes the disk's volume out before the machine stops, so
// that its free-cluster count, every file's last writes and the audit
// log's last records are on it.
func (s *system) syncDisk() {
	if s.storage == nil || !s.haveDisk {
		return
	}
	if s.modules != nil && !s.modules.audit.flush(syncTimeout) {
		s.log.Printf("audit: %s: records not written in %v", auditFile, syncTimeout)
	}
	if err := s.storage.Sync(); err != nil {
		s.log.Printf("%v", err)
	}
}

// powerOffGrace is how long Shutdown waits for the machine to stop after
// the ACPI power-off before it takes the exit device.
const powerOffGrace = 2 * time.Second

// Shutdown enters ACPI S5, or stops through the exit device when the
// tables do not allow it (QEMU then ends with status 1).
func (s *system) Shutdown() error {
	s.sealAudit()
	s.syncDisk()
	// Give the terminal on the other end of the serial line time to take
	// the last bytes before the machine goes away.
	time.Sleep(100 * time.Millisecond)
	if s.tables != nil {
		err := s.tables.PowerOff(x86.Outw)
		// The write to the PM1 control register stops the machine only
		// when the chipset acts on it: in QEMU its main loop does, while
		// the vCPU that wrote runs on. Leaving through the exit device at
		// once races the power-off and sometimes wins (QEMU status 1).
		if errors.Is(err, acpi.ErrStillRunning) {
			time.Sleep(powerOffGrace)
		}
		s.log.Printf("clk: %v", err)
	}
	os.Exit(0)
	return nil
}

// Reboot pulses the CPU reset line through the keyboard controller; QEMU
// run with -no-reboot ends instead of starting again.
func (s *system) Reboot() error {
	s.sealAudit()
	s.syncDisk()
	time.Sleep(100 * time.Millisecond)
	if err := ps2.Reset(x86.Ports{}); err != nil {
		return fmt.Errorf("reboot: %w", err)
	}
	return nil
}
