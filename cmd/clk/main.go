//go:build clk

// Command clk is the kernel: the program the boot loader starts.
//
// The runtime (rt/) has brought up the CPU, memory, time and interrupts by
// the time main runs. main finds the interrupt controllers and power
// controls in the ACPI tables, routes the serial console's interrupt,
// writes the banner to the consoles and the kernel log, enumerates PCI
// (drivers/pci, through ECAM or the legacy ports), and runs a shell
// (actor/shell) on the serial console and, when the machine is in VGA text
// mode, one on the screen and the PS/2 keyboard.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"

	"clk/actor/shell"
	x86 "clk/arch/x86_64"
	"clk/drivers/acpi"
	"clk/drivers/ps2"
	"clk/drivers/uart"
	"clk/drivers/vga"
	"clk/kernel/device"
	"clk/kernel/klog"
)

// Version is the kernel's version.
const Version = "0.1.0"

// DumpKey, Ctrl-\ on the serial console, prints the stack of every kernel
// goroutine there, whatever the shell is doing: the way to see where a
// kernel that stopped answering is waiting.
const DumpKey = 0x1c

// The vectors the consoles' interrupts are routed to.
const (
	consoleVector  = x86.FirstDeviceVector + uart.COM1IRQ
	keyboardVector = x86.FirstDeviceVector + ps2.KeyboardIRQ
)

func main() {
	boot := x86.Boot()
	screen := textScreen(boot)
	var consoles io.Writer = os.Stdout
	if screen != nil {
		consoles = io.MultiWriter(os.Stdout, screen)
	}
	log := klog.New(klog.DefaultLines, x86.SinceReset, consoles)
	tables, err := acpi.Parse(boot.RSDP[:], func(addr uint64, n int) []byte { return x86.Phys(addr, n) })
	if err != nil {
		log.Printf("clk: no usable ACPI tables: %v", err)
	}

	com1 := uart.New(x86.Ports{}, uart.COM1)
	isa := newISARouter(tables)
	if err := isa.route(uart.COM1IRQ, consoleVector); err != nil {
		log.Printf("clk: console input: %v", err)
	}
	com1.Intercept(DumpKey, func() { dumpTasks(com1) })
	go com1.Serve(irqWait(consoleVector))

	banner(log, consoles, boot)
	sys := &system{log: log, tables: tables, boot: boot, procs: newProcesses()}
	// The manager comes first, with the modules of the configuration's
	// install lines: the disk's driver, as it starts, activates the file
	// system service's module.
	sys.modules = startModules(sys, boot.Cmdline)
	sys.storage = newStorage(log, sys.modules)
	if cfg, fns := enumeratePCI(log, tables); cfg != nil {
		machine := device.Hardware(isa)
		sys.broker = device.NewBroker(machine, cfg, fns)
		sys.broker.SetReset(resetDevice(cfg))
		if u := startIOMMU(log, tables, machine, cfg); u != nil {
			sys.broker.SetIOMMU(u)
		}
		sys.drivers = newDrivers(log, sys.procs, sys.broker, sys.serve)
		sys.drivers.startAll()
	}
	// Then the modules of the configuration's start lines, once the disk,
	// and its version floor, is mounted.
	if sys.modules != nil {
		sys.modules.startAtBoot()
	}
	if runAtBoot(log, sys.procs, boot.Cmdline, sys) {
		return
	}
	if screen != nil {
		kbd := ps2.NewKeyboard(x86.Ports{})
		if err := isa.route(ps2.KeyboardIRQ, keyboardVector); err != nil {
			log.Printf("clk: keyboard input: %v", err)
		}
		go kbd.Serve(irqWait(keyboardVector))
		go serve(log, "screen", shell.New(kbd, screen, sys))
	}
	serve(log, "serial", shell.New(com1, os.Stdout, sys))
}

// serve runs a shell until its terminal's input ends.
func serve(log *klog.Log, name string, sh *shell.Shell) {
	if err := sh.Serve(); err != nil {
		log.Printf("clk: %s shell: %v", name, err)
	}
}

// dumpTasks writes every goroutine's stack to the serial port, straight to
// the port's registers (Port.Write takes no lock), so that a dump gets out
// even when whatever holds the console's writers is stuck. The header goes
// out before the stacks are collected: a header with no stacks after it
// means the world could not be stopped. A dump already under way makes a
// second press do nothing.
func dumpTasks(port io.Writer) {
	if !dumping.CompareAndSwap(false, true) {
		return
	}
	defer dumping.Store(false)
	fmt.Fprintf(port, "\r\n--- kernel goroutines at %v ---\r\n", x86.SinceReset())
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 16<<20 {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	port.Write(bytes.ReplaceAll(buf, []byte("\n"), []byte("\r\n")))
	io.WriteString(port, "--- end of goroutines ---\r\n")
}

var dumping atomic.Bool

// textScreen returns the VGA text screen, or nil when the loader left the
// display in a graphics mode (a UEFI frame buffer): PVH boots and BIOS
// boots through GRUB leave the firmware's text mode 3, which GRUB reports
// as a frame buffer at the text buffer's address.
func textScreen(boot x86.BootInfo) *vga.Screen {
	if fb := boot.Framebuffer.Addr; fb != 0 && fb != vga.TextBase {
		return nil
	}
	return vga.New(x86.Phys(vga.TextBase, vga.TextSize), x86.Ports{})
}

// irqWait returns a console driver's wait: until the interrupt on vector.
func irqWait(vector uint8) func() {
	return func() { x86.WaitIRQ(vector) }
}

// isaRouter routes ISA interrupts through the machine's I/O APICs, each set
// up once: setting one up masks all its lines.
type isaRouter struct {
	madt   *acpi.MADT
	apics  []*x86.IOAPIC
	reason error // why there is nothing to route through
}

func newISARouter(tables *acpi.Tables) *isaRouter {
	if tables == nil {
		return &isaRouter{reason: fmt.Errorf("no ACPI tables to find the I/O APIC in")}
	}
	madt, err := tables.MADT()
	if err != nil {
		return &isaRouter{reason: err}
	}
	r := &isaRouter{madt: madt}
	for _, ia := range madt.IOAPICs {
		r.apics = append(r.apics, x86.NewIOAPIC(x86.IOAPICAt(ia.Addr), ia.GSIBase))
	}
	return r
}

// route sends ISA interrupt irq to vector on the boot CPU through the I/O
// APIC that serves it.
func (r *isaRouter) route(irq uint8, vector uint8) error {
	a, gsi, activeLow, err := r.ISA(irq)
	if err != nil {
		return err
	}
	return a.Route(gsi, vector, 0, activeLow, r.madt.ISA(irq).Level())
}

// ISA returns the I/O APIC and GSI that ISA interrupt irq arrives at, and
// its polarity, from the MADT's overrides (device.ISALines).
func (r *isaRouter) ISA(irq uint8) (*x86.IOAPIC, uint32, bool, error) {
	if r.reason != nil {
		return nil, 0, false, r.reason
	}
	o := r.madt.ISA(irq)
	for _, a := range r.apics {
		if a.Serves(o.GSI) {
			return a, o.GSI, o.ActiveLow(), nil
		}
	}
	return nil, 0, false, fmt.Errorf("no I/O APIC serves GSI %d", o.GSI)
}

func banner(log *klog.Log, consoles io.Writer, boot x86.BootInfo) {
	total, _, _ := x86.Memory()
	cpu := x86.Identify()
	name := cpu.Brand
	if name == "" {
		name = cpu.Vendor
	}
	io.WriteString(consoles, "\n")
	log.Printf("clk %s (%s, %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	log.Printf("memory %d MiB, CPU %s, %d CPU(s)", total>>20, name, runtime.NumCPU())
	if boot.Cmdline != "" {
		log.Printf("command line: %s", boot.Cmdline)
	}
	log.Printf("booted by %s in %d ms", boot.Loader, x86.SinceReset().Milliseconds())
	io.WriteString(consoles, "type help for commands\n\n")
}
