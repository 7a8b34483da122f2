package shell

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"runtime/debug"
	"time"
)

// The commands that show or change the machine, through System.

func systemCommands() []Command {
	return []Command{
		{Name: "ls", Usage: "ls [DIR]", Help: "list a directory (/), with the size of each file", Run: ls},
		{Name: "mem", Usage: "mem", Help: "physical memory and the Go heap", Run: mem},
		{Name: "uptime", Usage: "uptime", Help: "time since the machine started", Run: uptime},
		{Name: "date", Usage: "date", Help: "the wall-clock time (UTC)", Run: date},
		{Name: "dmesg", Usage: "dmesg", Help: "the kernel log", Run: dmesg},
		{Name: "stats", Usage: "stats", Help: "runtime and interrupt counters", Run: stats},
		{Name: "lspci", Usage: "lspci [-v]", Help: "list the PCI functions, with the driver bound to each (-v: BARs, interrupts, capabilities)", Run: lspci},
		{Name: "driver", Usage: "driver stop|start ADDR [PROGRAM]", Help: "stop a PCI function's driver process, or start it again (or PROGRAM of /bin in its place)", Run: driver},
		{Name: "shutdown", Usage: "shutdown", Help: "power the machine off", Run: shutdown},
		{Name: "reboot", Usage: "reboot", Help: "reset the machine", Run: reboot},
		{Name: "crashdump", Usage: "crashdump [panic]", Help: "ask the host for a dump of the kernel's memory (make crash-dump takes it); with panic, panic the kernel, whose panic asks for one", Run: crashdump},
	}
}

func noArgs(p *Stage) error {
	if len(p.Args) > 0 {
		return usagef("takes no arguments")
	}
	return nil
}

func ls(p *Stage) error {
	if len(p.Args) > 1 {
		return usagef("want at most one directory, got %d", len(p.Args))
	}
	dir := "/"
	if len(p.Args) == 1 {
		dir = p.Args[0]
	}
	entries, err := fs.ReadDir(p.Sys.Files(), fsPath(dir))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := p.Println(e.Name() + "/"); err != nil {
				return err
			}
			continue
		}
		var size int64
		if info, err := e.Info(); err == nil {
			size = info.Size()
		}
		if err := p.Printf("%-32s %d", e.Name(), size); err != nil {
			return err
		}
	}
	return nil
}

func mem(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	// What the heap holds as garbage is not in use: collect it and give
	// its free pages back first, so that the figures say what is.
	debug.FreeOSMemory()
	total, used, free := p.Sys.Memory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if err := p.Printf("physical: %d MiB total, %d MiB used, %d MiB free", total>>20, used>>20, free>>20); err != nil {
		return err
	}
	if err := p.Printf("go heap:  %d KiB in use, %d KiB from the system, %d GC cycles", ms.HeapInuse>>10, ms.Sys>>10, ms.NumGC); err != nil {
		return err
	}
	if r, ok := p.Sys.(MemoryReserve); ok {
		reserve, pressure := r.MemoryReserve()
		return p.Printf("reserve:  %d MiB kept for the kernel, pressure %.2f", reserve>>20, pressure)
	}
	return nil
}

func uptime(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	return p.Printf("up %s", p.Sys.Uptime().Truncate(time.Millisecond))
}

func date(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	return p.Println(p.Sys.Now().UTC().Format("Mon Jan _2 15:04:05 UTC 2006"))
}

func dmesg(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	for _, line := range p.Sys.KernelLog() {
		if err := p.Println(line); err != nil {
			return err
		}
	}
	return nil
}

func stats(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	counters := []Counter{
		{"goroutines", uint64(runtime.NumGoroutine())},
		{"gc cycles", uint64(ms.NumGC)},
		{"gc pause total us", ms.PauseTotalNs / 1e3},
		{"heap objects", ms.HeapObjects},
		{"heap alloc KiB", ms.HeapAlloc >> 10},
		{"mallocs", ms.Mallocs},
		{"frees", ms.Frees},
	}
	counters = append(counters, p.Sys.Counters()...)
	for _, c := range counters {
		if err := p.Printf("%-32s %d", c.Name, c.Value); err != nil {
			return err
		}
	}
	return nil
}

// lspci prints a line per PCI function: its address, vendor:device, class,
// and the driver bound to it with its process ("-" while none is); -v adds
// the function's details, indented, under each.
func lspci(p *Stage) error {
	f, args, err := flags(p.Args, "v")
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("takes no arguments but -v")
	}
	devs, ok := p.Sys.(Devices)
	if !ok {
		return errors.New("this system lists no devices")
	}
	if err := p.Printf("%-8s %-9s  %-20s %-10s %s", "ADDR", "ID", "CLASS", "DRIVER", "PROCESS"); err != nil {
		return err
	}
	for _, fn := range devs.PCIFunctions() {
		driver, proc := "-", "-"
		if fn.Driver != "" {
			driver = fn.Driver
		}
		if fn.Process != 0 {
			proc = fmt.Sprint(fn.Process)
		}
		if err := p.Printf("%-8s %04x:%04x  %-20s %-10s %s", fn.Addr, fn.VendorID, fn.DeviceID, fn.Class, driver, proc); err != nil {
			return err
		}
		if !f['v'] {
			continue
		}
		for _, d := range fn.Details {
			if err := p.Println("         " + d); err != nil {
				return err
			}
		}
	}
	return nil
}

func driver(p *Stage) error {
	if len(p.Args) < 2 || len(p.Args) > 3 || p.Args[0] != "stop" && p.Args[0] != "start" || p.Args[0] == "stop" && len(p.Args) == 3 {
		return usagef("want stop or start and a function's address (and, to start, a program)")
	}
	dc, ok := p.Sys.(DriverControl)
	if !ok {
		return errors.New("this system's drivers cannot be stopped or started")
	}
	if p.Args[0] == "stop" {
		return dc.StopDriver(p.Args[1])
	}
	program := ""
	if len(p.Args) == 3 {
		program = p.Args[2]
	}
	return dc.StartDriver(p.Args[1], program)
}

func shutdown(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	if err := p.Println("powering off"); err != nil {
		return err
	}
	p.Flush()
	return p.Sys.Shutdown()
}

func reboot(p *Stage) error {
	if err := noArgs(p); err != nil {
		return err
	}
	if err := p.Println("rebooting"); err != nil {
		return err
	}
	p.Flush()
	return p.Sys.Reboot()
}

func crashdump(p *Stage) error {
	cd, ok := p.Sys.(CrashDumper)
	if !ok {
		return errors.New("this system takes no crash dumps")
	}
	switch {
	case len(p.Args) == 0:
		if err := cd.CrashDump(); err != nil {
			return err
		}
		return p.Println("crash dump asked for")
	case len(p.Args) == 1 && p.Args[0] == "panic":
		if err := p.Println("panicking the kernel"); err != nil {
			return err
		}
		p.Flush()
		cd.Panic("crashdump panic at the shell")
		return nil
	default:
		return usagef("want no argument, or panic")
	}
}
