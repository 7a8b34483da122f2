package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"clk/abi"
	"clk/sdk"
)

// program is the name the parent spawns its child by.
const program = "ipcbench"

// msgByte is the one message type: a single byte.
const msgByte = 1

var schema = sdk.Schema{{Type: msgByte, MaxData: 1}}

// Timing: each figure is the best of runs of about runTime, after a
// calibration that runs until it takes calibrateTime.
const (
	runs          = 3
	runTime       = time.Second
	calibrateTime = 100 * time.Millisecond
)

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

func fail(format string, args ...any) {
	printf("ipcbench: "+format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	switch {
	case len(os.Args) == 2 && os.Args[1] == "child":
		child()
	case len(os.Args) > 1:
		printf("usage: ipcbench\n")
		sdk.Exit(2)
	}

	report("null-syscall", nullSyscalls)

	c, peer, err := sdk.NewChannel(schema, 0)
	if err != nil {
		fail("%v", err)
	}
	proc, err := sdk.Spawn(program, []string{"child"}, []sdk.Handle{peer.Handle})
	if err != nil {
		fail("%v", err)
	}
	rt := &roundTrips{c: c, out: make([]byte, 1), in: make([]byte, 1)}
	report("channel-roundtrip", rt.run)

	c.Close()
	if _, err := sdk.Wait(proc, abi.Signaled, sdk.After(5*time.Second)); err != nil {
		fail("child did not end: %v", err)
	}
	printf("BENCH done\n")
	sdk.Exit(0)
}

// report measures op and prints its BENCH line: op(n) performs n
// operations.
func report(name string, op func(n int) error) {
	n, ns, err := measure(op)
	if err != nil {
		fail("%s: %v", name, err)
	}
	printf("%s", benchLine(name, n, ns))
}

// benchLine formats a result as make bench-ipc reads it: the name, the
// iterations and the nanoseconds per operation to one decimal.
func benchLine(name string, n int, nsPerOp float64) string {
	return fmt.Sprintf("BENCH %s %d %.1f\n", name, n, nsPerOp)
}

// measure calibrates the number of operations that takes about runTime
// and returns it with the best time per operation of runs runs.
func measure(op func(n int) error) (n int, nsPerOp float64, err error) {
	n = 100
	var d time.Duration
	for {
		if d, err = timed(op, n); err != nil {
			return 0, 0, err
		}
		if d >= calibrateTime || n >= 1<<30 {
			break
		}
		n *= 4
	}
	n = max(int(float64(n)*float64(runTime)/float64(max(d, 1))), 1)
	for i := range runs {
		if d, err = timed(op, n); err != nil {
			return 0, 0, err
		}
		if ns := float64(d.Nanoseconds()) / float64(n); i == 0 || ns < nsPerOp {
			nsPerOp = ns
		}
	}
	return n, nsPerOp, nil
}

// timed runs op(n) and returns how long it took by the kernel's clock.
func timed(op func(n int) error, n int) (time.Duration, error) {
	start, err := sdk.Monotonic()
	if err != nil {
		return 0, fmt.Errorf("clock: %w", err)
	}
	if err := op(n); err != nil {
		return 0, err
	}
	end, err := sdk.Monotonic()
	if err != nil {
		return 0, fmt.Errorf("clock: %w", err)
	}
	return end - start, nil
}

// nullSyscalls makes n process_self calls.
func nullSyscalls(n int) error {
	for range n {
		if sdk.Self() == 0 {
			return errors.New("process_self failed")
		}
	}
	return nil
}

// roundTrips is the parent's side of the ping-pong.
type roundTrips struct {
	c       sdk.Channel
	out, in []byte
}

// run makes n round trips.
func (r *roundTrips) run(n int) error {
	for i := range n {
		r.out[0] = byte(i)
		if err := r.c.Write(msgByte, r.out, nil, sdk.Never); err != nil {
			return fmt.Errorf("round trip %d: %w", i, err)
		}
		m, err := r.c.Read(r.in, nil, sdk.Never)
		if err != nil {
			return fmt.Errorf("round trip %d: %w", i, err)
		}
		if len(m.Data) != 1 || m.Data[0] != byte(i) {
			return fmt.Errorf("round trip %d: answer %v", i, m.Data)
		}
	}
	return nil
}

// child answers every byte with the same byte until the parent closes
// its endpoint.
func child() {
	hs := sdk.StartupHandles()
	if len(hs) != 1 || hs[0] == sdk.InvalidHandle {
		fail("child: started with handles %v, want one channel", hs)
	}
	c := sdk.Channel{Handle: hs[0]}
	buf := make([]byte, 1)
	for {
		m, err := c.Read(buf, nil, sdk.Never)
		if errors.Is(err, abi.EPEERCLOSED) {
			sdk.Exit(0)
		}
		if err != nil {
			fail("child: %v", err)
		}
		if err := c.Write(msgByte, m.Data, nil, sdk.Never); err != nil {
			if errors.Is(err, abi.EPEERCLOSED) {
				sdk.Exit(0)
			}
			fail("child: %v", err)
		}
	}
}
