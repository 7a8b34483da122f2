//go:build clk

// Command clk is the kernel: the program the boot loader starts.
//
// The runtime (rt/) has brought up the CPU, memory, time and interrupts by
// the time main runs. main finds the interrupt controllers and power
// controls in the ACPI tables, routes the serial console's interrupt, prints
// the banner and serves the prompt on the console.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	x86 "clk/arch/x86_64"
	"clk/drivers/acpi"
	"clk/drivers/uart"
	"clk/kernel/console"
)

// Version is the kernel's version.
const Version = "0.1.0"

// consoleVector is the vector the serial console's interrupt is routed to.
const consoleVector = x86.FirstDeviceVector + uart.COM1IRQ

type portBus struct{}

func (portBus) In(port uint16) uint8     { return x86.Inb(port) }
func (portBus) Out(port uint16, v uint8) { x86.Outb(port, v) }

func main() {
	boot := x86.Boot()
	tables, err := acpi.Parse(boot.RSDP[:], func(addr uint64, n int) []byte { return x86.Phys(addr, n) })
	if err != nil {
		fmt.Printf("clk: no usable ACPI tables: %v\n", err)
	}

	com1 := uart.New(portBus{}, uart.COM1)
	if err := routeISA(tables, uart.COM1IRQ, consoleVector); err != nil {
		fmt.Printf("clk: console input: %v\n", err)
	}
	go com1.Serve(func() { x86.WaitIRQ(consoleVector) })

	banner(boot)
	c := console.New(com1, os.Stdout, commands(tables))
	c.Serve()
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

func banner(boot x86.BootInfo) {
	total, _, _ := x86.Memory()
	cpu := x86.Identify()
	name := cpu.Brand
	if name == "" {
		name = cpu.Vendor
	}
	fmt.Printf("\nclk %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("memory %d MiB, CPU %s, %d CPU(s)\n", total>>20, name, runtime.NumCPU())
	fmt.Printf("booted by %s in %d ms\n", boot.Loader, x86.SinceReset().Milliseconds())
	fmt.Printf("type help for commands\n\n")
}

func commands(tables *acpi.Tables) []console.Command {
	return []console.Command{
		{Name: "mem", Help: "physical memory and the Go heap", Run: mem},
		{Name: "uptime", Help: "time since the machine started", Run: uptime},
		{Name: "shutdown", Help: "power the machine off", Run: func(out io.Writer, args []string) error {
			return shutdown(out, tables)
		}},
	}
}

func mem(out io.Writer, args []string) error {
	total, used, free := x86.Memory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(out, "physical: %d MiB total, %d MiB used, %d MiB free\n", total>>20, used>>20, free>>20)
	fmt.Fprintf(out, "go heap:  %d KiB in use, %d KiB from the system, %d GC cycles\n", ms.HeapInuse>>10, ms.Sys>>10, ms.NumGC)
	return nil
}

func uptime(out io.Writer, args []string) error {
	up := x86.SinceReset()
	tsc, lapic := x86.Clocks()
	fmt.Fprintf(out, "up %s (TSC %d MHz, APIC timer %d MHz, %d timer interrupts)\n",
		up.Truncate(time.Millisecond), tsc/1e6, lapic/1e6, x86.IRQCount(x86.TimerVector))
	return nil
}

func shutdown(out io.Writer, tables *acpi.Tables) error {
	io.WriteString(out, "powering off\n")
	// Give the terminal on the other end of the serial line time to
	// take the last bytes before the machine goes away.
	time.Sleep(100 * time.Millisecond)
	if tables != nil {
		err := tables.PowerOff(x86.Outw)
		fmt.Fprintf(out, "%v\n", err)
	}
	// No ACPI power-off: stop through the exit device, which halts the
	// CPU where there is none.
	os.Exit(0)
	return nil
}
