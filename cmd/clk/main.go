//go:build clk

// Command clk is the kernel: the program the boot loader starts.
//
// The runtime (rt/) has brought up the CPU, memory, time and interrupts by
// the time main runs. main finds the interrupt controllers and power
// controls in the ACPI tables, routes the serial console's interrupt,
// writes the banner to the console and the kernel log, and runs the shell
// (actor/shell) on the console.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"clk/actor/shell"
	x86 "clk/arch/x86_64"
	"clk/drivers/acpi"
	"clk/drivers/uart"
	"clk/kernel/klog"
)

// Version is the kernel's version.
const Version = "0.1.0"

// consoleVector is the vector the serial console's interrupt is routed to.
const consoleVector = x86.FirstDeviceVector + uart.COM1IRQ

type portBus struct{}

func (portBus) In(port uint16) uint8     { return x86.Inb(port) }
func (portBus) Out(port uint16, v uint8) { x86.Outb(port, v) }

func main() {
	log := klog.New(klog.DefaultLines, x86.SinceReset, os.Stdout)
	boot := x86.Boot()
	tables, err := acpi.Parse(boot.RSDP[:], func(addr uint64, n int) []byte { return x86.Phys(addr, n) })
	if err != nil {
		log.Printf("clk: no usable ACPI tables: %v", err)
	}

	com1 := uart.New(portBus{}, uart.COM1)
	if err := routeISA(tables, uart.COM1IRQ, consoleVector); err != nil {
		log.Printf("clk: console input: %v", err)
	}
	go com1.Serve(consoleWait())

	banner(log, boot)
	sys := &system{log: log, tables: tables, boot: boot}
	sh := shell.New(com1, os.Stdout, sys)
	if err := sh.Serve(); err != nil {
		log.Printf("clk: shell: %v", err)
	}
}

// consolePoll is how often the console is read when its interrupt does not
// wake the reader.
const consolePoll = 50 * time.Millisecond

// consoleWait returns the UART's wait: until the console's interrupt, or
// consolePoll at most. The runtime hands interrupt waiters back only when
// its scheduler looks for work, which it does not do while a goroutine that
// never blocks (the shell's spin) keeps the CPU; timers are still checked
// at every preemption, so the poll keeps Ctrl-C and the shell working then.
func consoleWait() func() {
	irq := make(chan struct{}, 1)
	go func() {
		for {
			x86.WaitIRQ(consoleVector)
			select {
			case irq <- struct{}{}:
			default:
			}
		}
	}()
	return func() {
		t := time.NewTimer(consolePoll)
		defer t.Stop()
		select {
		case <-irq:
		case <-t.C:
		}
	}
}

// routeISA sends ISA interrupt irq to vector on the boot CPU through the
// I/O APIC that serves it.
func routeISA(tables *acpi.Tables, irq uint8, vector uint8) error {
	if tables == nil {
		return fmt.Errorf("no ACPI tables to find the I/O APIC in")
	}
	madt, err := tables.MADT()
	if err != nil {
		return err
	}
	o := madt.ISA(irq)
	for _, ia := range madt.IOAPICs {
		a := x86.NewIOAPIC(x86.MMIO(ia.Addr), ia.GSIBase)
		if o.GSI >= ia.GSIBase && o.GSI < ia.GSIBase+uint32(a.Lines()) {
			return a.Route(o.GSI, vector, 0, o.ActiveLow(), o.Level())
		}
	}
	return fmt.Errorf("no I/O APIC serves GSI %d", o.GSI)
}

func banner(log *klog.Log, boot x86.BootInfo) {
	total, _, _ := x86.Memory()
	cpu := x86.Identify()
	name := cpu.Brand
	if name == "" {
		name = cpu.Vendor
	}
	os.Stdout.WriteString("\n")
	log.Printf("clk %s (%s, %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	log.Printf("memory %d MiB, CPU %s, %d CPU(s)", total>>20, name, runtime.NumCPU())
	if boot.Cmdline != "" {
		log.Printf("command line: %s", boot.Cmdline)
	}
	log.Printf("booted by %s in %d ms", boot.Loader, x86.SinceReset().Milliseconds())
	os.Stdout.WriteString("type help for commands\n\n")
}
