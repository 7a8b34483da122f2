package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"clk/internal/gdbrelay"
)

// dialWait bounds how long gdbrelay waits for QEMU's gdbstub to listen.
const dialWait = 30 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gdbrelay:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	debugger, err := reverseAddr(args)
	if err != nil {
		return err
	}
	stubAddr := os.Getenv("CLK_GDBSTUB")
	if stubAddr == "" {
		return fmt.Errorf("CLK_GDBSTUB is not set: it names QEMU's gdbstub, e.g. 127.0.0.1:1234")
	}
	var log io.Writer
	if name := os.Getenv("CLK_GDBRELAY_LOG"); name != "" {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		log = f
	}
	stub, err := dial(stubAddr, dialWait)
	if err != nil {
		return fmt.Errorf("QEMU's gdbstub: %w", err)
	}
	dbg, err := dial(debugger, time.Second)
	if err != nil {
		stub.Close()
		return fmt.Errorf("the debugger: %w", err)
	}
	r := gdbrelay.Relay{Debugger: dbg, Stub: stub, Log: log}
	return r.Run()
}

// reverseAddr returns the address after -R (debugserver's "connect back
// to the debugger here"), before the -- that starts the program.
func reverseAddr(args []string) (string, error) {
	for i, a := range args {
		if a == "--" {
			break
		}
		if a == "-R" && i+1 < len(args) {
			return args[i+1], nil
		}
	}
	return "", fmt.Errorf("no -R ADDRESS in %q: run by Delve's lldb backend, through DELVE_DEBUGSERVER_PATH", args)
}

// dial connects to a TCP address, trying again until wait has passed, with
// TCP_NODELAY: every packet is small and waits for the one before it.
func dial(addr string, wait time.Duration) (*net.TCPConn, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			tc := c.(*net.TCPConn)
			if err := tc.SetNoDelay(true); err != nil {
				tc.Close()
				return nil, fmt.Errorf("%s: TCP_NODELAY: %w", addr, err)
			}
			return tc, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
