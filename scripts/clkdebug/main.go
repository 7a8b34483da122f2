package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

// run returns the exit status.
func run() int {
	kernel := flag.String("kernel", "", "kernel ELF, booted through its PVH note (build it with DWARF)")
	initrd := flag.String("initrd", "", "initrd")
	mem := flag.String("mem", "", "guest memory (default CLK_QEMU_MEM, else 512M)")
	smp := flag.Int("smp", 2, "guest CPUs")
	debugger := flag.String("debugger", "dlv", "dlv, gdb, or none: the serial console on this terminal, crash dumps only")
	dlv := flag.String("dlv", "dlv", "Delve")
	relay := flag.String("relay", "", "scripts/gdbrelay, built: Delve's debugserver")
	gdb := flag.String("gdb", "gdb", "GDB")
	goroot := flag.String("goroot", "", "GOROOT of the clk toolchain, for GDB's runtime-gdb.py")
	gdbPort := flag.Int("gdb-port", 1234, "port of QEMU's gdbstub on 127.0.0.1")
	consolePort := flag.Int("console-port", 4555, "port on 127.0.0.1 of the serial console, with a debugger")
	crashDir := flag.String("crash-dir", "build/crash", "where crash dumps go")
	attach := flag.String("attach", "", "connect this terminal to a serial console served at this address, and do nothing else")
	flag.Parse()
	if *attach != "" {
		if err := attachConsole(*attach); err != nil {
			fmt.Fprintln(os.Stderr, "clkdebug:", err)
			return 1
		}
		return 0
	}
	if *kernel == "" {
		fmt.Fprintln(os.Stderr, "clkdebug: -kernel is required")
		return 2
	}
	stub := fmt.Sprintf("127.0.0.1:%d", *gdbPort)
	var dbg *exec.Cmd
	switch *debugger {
	case "dlv":
		if *relay == "" {
			fmt.Fprintln(os.Stderr, "clkdebug: -relay is required with Delve")
			return 2
		}
		dbg = qemu.Delve(*dlv, *relay, stub, *kernel, flag.Args()...)
	case "gdb":
		if *goroot == "" {
			fmt.Fprintln(os.Stderr, "clkdebug: -goroot is required with GDB")
			return 2
		}
		dbg = qemu.GDB(*gdb, stub, *kernel, *goroot, flag.Args()...)
	case "none":
	default:
		fmt.Fprintf(os.Stderr, "clkdebug: -debugger %q: want dlv, gdb or none\n", *debugger)
		return 2
	}

	dumps, err := qemu.ListenCrashDumps(*crashDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "clkdebug:", err)
		return 1
	}
	defer dumps.Close()
	devices, err := qemu.Devices{RNG: true, Net: true}.Args()
	if err != nil {
		fmt.Fprintln(os.Stderr, "clkdebug:", err)
		return 1
	}
	qmpSock := filepath.Join(*crashDir, "qmp.sock")
	os.Remove(qmpSock)
	c := qemu.Command{
		Boot:    qemu.Kernel("PVH", "pc", *kernel, *initrd, ""),
		Memory:  *mem,
		CPUs:    *smp,
		Console: qemu.Terminal,
		QMP:     qmpSock,
		Extra:   append(devices, dumps.Args()...),
	}
	if dbg != nil {
		c.Extra = append(c.Extra, qemu.GDBStubArgs(stub)...)
		c.Console = qemu.Listening
		c.ConsoleAddr = fmt.Sprintf("127.0.0.1:%d", *consolePort)
		c.Paused = true
	}
	fmt.Println(c)
	vm := exec.Command(qemu.Binary(), c.Args()...)
	vm.Stdout, vm.Stderr = os.Stdout, os.Stderr
	qemu.KillWithParent(vm)
	if dbg == nil {
		vm.Stdin = os.Stdin
	} else {
		// The debugger owns the terminal: Ctrl-C there is for it, not
		// for QEMU, which gets a process group of its own.
		vm.SysProcAttr.Setpgid = true
	}
	// Ctrl-C reaches this program too; it stays to end QEMU and say how
	// it ended.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt, syscall.SIGQUIT)
	if err := vm.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "clkdebug:", err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- vm.Wait() }()
	q, err := qemu.DialQMP(qmpSock, 10*time.Second)
	if err != nil {
		vm.Process.Kill()
		fmt.Fprintln(os.Stderr, "clkdebug:", err)
		return 1
	}
	defer q.Close()
	go dumps.Serve(q, func(d qemu.Dump) {
		if d.Err != nil {
			fmt.Fprintf(os.Stderr, "\r\nclkdebug: %v\r\n", d.Err)
			return
		}
		fmt.Fprintf(os.Stderr, "\r\nclkdebug: %s: crash dump written to %s (dlv core %s %s)\r\n", d.Reason, d.Path, *kernel, d.Path)
	})

	if dbg != nil {
		fmt.Printf("serial console on %s: in another terminal, make console (or clkdebug -attach %s)\n", c.ConsoleAddr, c.ConsoleAddr)
		dbg.Stdin, dbg.Stdout, dbg.Stderr = os.Stdin, os.Stdout, os.Stderr
		err := dbg.Run()
		q.Execute("quit", nil)
		<-exited
		if err != nil {
			fmt.Fprintln(os.Stderr, "clkdebug:", err)
			return 1
		}
		return 0
	}
	return status(<-exited)
}

// status says how QEMU ended and returns the guest's status.
func status(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		fmt.Println("qemu: ended")
		return 0
	case !errors.As(err, &exit):
		fmt.Fprintln(os.Stderr, "clkdebug:", err)
		return 1
	}
	if status, ok := qemu.GuestStatus(exit.ExitCode()); ok {
		fmt.Printf("qemu: guest exit status %d\n", status)
		return status
	}
	fmt.Printf("qemu: QEMU failed with status %d\n", exit.ExitCode())
	return 1
}

// attachConsole copies this terminal's lines to the console at addr and
// the console to this terminal, until either ends.
func attachConsole(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return fmt.Errorf("serial console: %w", err)
	}
	defer conn.Close()
	done := make(chan error, 2)
	go func() {
		_, err := io.Copy(conn, os.Stdin)
		done <- err
	}()
	go func() {
		_, err := io.Copy(os.Stdout, conn)
		done <- err
	}()
	return <-done
}
