//go:build clk

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"sync"

	"clk/abi"
	"clk/actor/shell"
	x86 "clk/arch/x86_64"
	"clk/drivers/pci"
	"clk/drivers/virtio"
	"clk/kernel/cap"
	"clk/kernel/device"
	"clk/kernel/ipc"
	"clk/kernel/klog"
	"clk/kernel/proc"
	"clk/sdk"
	"clk/services/block"
)

// Device drivers: ring-3 programs of the initrd, each started with one
// device handle from the broker (kernel/device) for a function it drives.

// driverFor names the program that drives a function, "" when none does.
// Virtio devices are matched by their modern IDs (0x1040 plus the device
// type) and the transitional ones QEMU gives by default.
func driverFor(f *pci.Function) string {
	if f.VendorID != virtio.VendorID {
		return ""
	}
	switch f.DeviceID {
	case 0x1005, 0x1040 + 4:
		return "virtio-rng"
	case 0x1001, 0x1040 + 2:
		return "virtio-blk"
	case 0x1000, 0x1040 + 1:
		return "virtio-net"
	}
	return ""
}

// serviceOf is the schema of the channel a driver serves, nil for a
// driver that serves none: the disk's driver serves the block protocol,
// the network device's the network service's control channel.
func serviceOf(program string) *ipc.Schema {
	switch program {
	case "virtio-blk":
		return blockSchema
	case "virtio-net":
		return netControlSchema
	}
	return nil
}

// blockSchema is the block protocol's schema as the kernel's channels
// take it.
var blockSchema = kernelSchema(block.Schema)

// kernelSchema turns a protocol's schema into the kernel's form, through
// the binary form channel_create reads.
func kernelSchema(s sdk.Schema) *ipc.Schema {
	b, err := s.MarshalBinary()
	if err == nil {
		var ks *ipc.Schema
		if ks, err = ipc.ParseSchema(b); err == nil {
			return ks
		}
	}
	panic(fmt.Sprintf("clk: a protocol's schema does not parse: %v", err))
}

// serviceRights are the rights of each end of a service's channel.
const serviceRights = abi.RightRead | abi.RightWrite | abi.RightWait | abi.RightTransfer

// drivers starts and stops the driver processes.
type drivers struct {
	log    *klog.Log
	procs  *proc.System
	broker *device.Broker
	// serve gets the kernel's end of the channel a driver serves, each
	// time such a driver starts.
	serve func(program string, a pci.Addr, ep *ipc.Endpoint)

	mu      sync.Mutex
	running map[pci.Addr]*proc.Process
}

func newDrivers(log *klog.Log, procs *proc.System, broker *device.Broker, serve func(string, pci.Addr, *ipc.Endpoint)) *drivers {
	return &drivers{log: log, procs: procs, broker: broker, serve: serve, running: make(map[pci.Addr]*proc.Process)}
}

// startAll starts the driver of every function that has one in the
// initrd.
func (d *drivers) startAll() {
	for _, b := range d.broker.Functions() {
		f := b.Function
		name := driverFor(&f)
		if name == "" {
			continue
		}
		if _, err := os.Stat(path.Join(programDir, name)); err != nil {
			d.log.Printf("drivers: %v: no %s in the initrd", f.Addr, name)
			continue
		}
		if err := d.Start(f.Addr, ""); err != nil {
			d.log.Printf("drivers: %v", err)
		}
	}
}

// Start binds the function at a to its driver, or to program of /bin if
// that is not "", and starts the driver's process with the device handle.
// Another program than the function's driver serves no channel: it has
// the device handle alone (programs/dmaprobe, which checks the IOMMU).
func (d *drivers) Start(a pci.Addr, program string) error {
	var f *pci.Function
	for _, b := range d.broker.Functions() {
		if b.Function.Addr == a {
			f = &b.Function
		}
	}
	if f == nil {
		return fmt.Errorf("start driver of %v: %w", a, device.ErrNoFunction)
	}
	name := driverFor(f)
	var schema *ipc.Schema
	switch {
	case program != "":
		if program != path.Base(program) || program == "." || program == ".." {
			return fmt.Errorf("start %q for %v: not a program's name", program, a)
		}
		if _, err := os.Stat(path.Join(programDir, program)); err != nil {
			return fmt.Errorf("start %q for %v: %w", program, a, err)
		}
		name = program
	case name == "":
		return fmt.Errorf("start driver of %v: no driver for %04x:%04x", a, f.VendorID, f.DeviceID)
	default:
		schema = serviceOf(name)
	}
	dev, err := d.broker.Bind(a, name)
	if err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	handles := []*cap.Cap{cap.New(dev, device.Rights)}
	var mine *ipc.Endpoint
	if schema != nil {
		var theirs *ipc.Endpoint
		if mine, theirs, err = ipc.NewChannel(schema, 0); err != nil {
			handles[0].Close()
			return fmt.Errorf("start %s: %w", name, err)
		}
		handles = append(handles, cap.New(theirs, serviceRights))
	}
	p, err := d.procs.Spawn(name, proc.SpawnOptions{
		Args:    []string{name, a.String()},
		Handles: handles,
		Console: &logLines{log: d.log, prefix: name + ": "},
	})
	if err != nil {
		for _, h := range handles {
			h.Close()
		}
		if mine != nil {
			mine.Release()
		}
		return fmt.Errorf("start %s for %v: %w", name, a, err)
	}
	d.broker.SetPID(dev, p.PID())
	d.mu.Lock()
	d.running[a] = p
	d.mu.Unlock()
	d.log.Printf("drivers: %s (pid %d) drives %v", name, p.PID(), a)
	if mine != nil {
		if d.serve != nil {
			d.serve(name, a, mine)
		} else {
			mine.Release()
		}
	}
	go func() {
		code, _ := p.Wait()
		d.mu.Lock()
		if d.running[a] == p {
			delete(d.running, a)
		}
		d.mu.Unlock()
		d.log.Printf("drivers: %s (pid %d) for %v exited with status %d", name, p.PID(), a, code)
	}()
	return nil
}

// Stop kills the driver of the function at a, which releases the device.
func (d *drivers) Stop(a pci.Addr) error {
	d.mu.Lock()
	p := d.running[a]
	d.mu.Unlock()
	if p == nil {
		return fmt.Errorf("stop driver of %v: %w", a, errNoDriver)
	}
	p.KillTree("driver stopped")
	p.Wait()
	return nil
}

var errNoDriver = errors.New("no driver running")

// Running lists the functions with a driver process, in address order.
func (d *drivers) Running() []pci.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []pci.Addr
	for a := range d.running {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// logLines is a driver's console: each line it writes goes to the kernel
// log, after its name.
type logLines struct {
	log     *klog.Log
	prefix  string
	mu      sync.Mutex
	partial []byte
}

func (w *logLines) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.log.Printf("%s%s", w.prefix, w.partial[:i])
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > 4096 {
		w.log.Printf("%s%s", w.prefix, w.partial)
		w.partial = w.partial[:0]
	}
	return len(b), nil
}

var _ shell.DriverControl = (*system)(nil)

// parseAddr reads a function's address as lspci prints it: "00:04.0".
func parseAddr(s string) (pci.Addr, error) {
	var bus, dev, fn uint8
	if n, err := fmt.Sscanf(s, "%02x:%02x.%1x", &bus, &dev, &fn); n != 3 || err != nil || dev >= 32 || fn >= 8 || len(s) != 7 {
		return pci.Addr{}, fmt.Errorf("%q is not a PCI function's address (bus:device.function, as lspci prints it)", s)
	}
	return pci.Addr{Bus: bus, Device: dev, Function: fn}, nil
}

// StopDriver kills the driver of the function at addr.
func (s *system) StopDriver(addr string) error {
	a, err := parseAddr(addr)
	if err != nil {
		return err
	}
	if s.drivers == nil {
		return errNoDriver
	}
	return s.drivers.Stop(a)
}

// StartDriver starts the driver of the function at addr, or program in
// its place.
func (s *system) StartDriver(addr, program string) error {
	a, err := parseAddr(addr)
	if err != nil {
		return err
	}
	if s.drivers == nil {
		return fmt.Errorf("start driver of %v: no PCI", a)
	}
	return s.drivers.Start(a, program)
}

// resetDevice resets a released function whose protocol the kernel knows,
// so that a request the device took before its driver went is finished
// before the driver's DMA memory is reused: a virtio device's reset
// (device_status 0) returns only once the device has stopped using its
// queues' buffers. Other functions are left to bus mastering's clearing.
func resetDevice(cfg pci.Config) func(pci.Function) error {
	return func(f pci.Function) error {
		if f.VendorID != virtio.VendorID {
			return nil
		}
		d, err := virtio.Open(configSpace{cfg, f.Addr}, kernelBARs{&f}, nil)
		if err != nil {
			return fmt.Errorf("reset %v: %w", f.Addr, err)
		}
		return d.Reset()
	}
}

// configSpace is one function's configuration space, as drivers/virtio
// reads it.
type configSpace struct {
	cfg pci.Config
	a   pci.Addr
}

func (c configSpace) Read8(off int) uint8   { return c.cfg.Read8(c.a, uint16(off)) }
func (c configSpace) Read16(off int) uint16 { return c.cfg.Read16(c.a, uint16(off)) }
func (c configSpace) Read32(off int) uint32 { return c.cfg.Read32(c.a, uint16(off)) }

// kernelBARs are a function's memory BARs through the kernel's identity
// map of device memory, below 4 GiB.
type kernelBARs struct{ f *pci.Function }

func (k kernelBARs) BAR(i int) (virtio.Registers, uint64, error) {
	for _, b := range k.f.BARs {
		if b.Index == i && !b.IO && b.Size > 0 && b.Addr+b.Size <= identityMapped {
			return x86.MMIO(b.Addr), b.Size, nil
		}
	}
	return nil, 0, fmt.Errorf("BAR %d is not memory the kernel reaches", i)
}
