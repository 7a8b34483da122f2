package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"clk/abi"
	"clk/sdk"
)

// program is the name the parent spawns its child by.
const program = "pingpong"

// msgNumber is the one message type: an 8-byte little-endian number.
const msgNumber = 1

var schema = sdk.Schema{{Type: msgNumber, MaxData: 8}}

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

// fail prints a message and exits with status 1.
func fail(format string, args ...any) {
	printf("pingpong: "+format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "child" {
		child()
	}
	n := uint64(100000)
	switch len(os.Args) {
	case 1:
	case 2:
		v, err := strconv.ParseUint(os.Args[1], 10, 64)
		if err != nil || v == 0 {
			printf("pingpong: bad count %q\nusage: pingpong [N]\n", os.Args[1])
			sdk.Exit(2)
		}
		n = v
	default:
		printf("usage: pingpong [N]\n")
		sdk.Exit(2)
	}
	parent(n)
}

// parent runs n round trips with a child and reports them.
func parent(n uint64) {
	c, peer, err := sdk.NewChannel(schema, 0)
	if err != nil {
		fail("%v", err)
	}
	proc, err := sdk.Spawn(program, []string{"child"}, []sdk.Handle{peer.Handle})
	if err != nil {
		fail("%v", err)
	}
	out, in := make([]byte, 8), make([]byte, 8)
	start, err := sdk.Monotonic()
	if err != nil {
		fail("clock: %v", err)
	}
	for i := range n {
		binary.LittleEndian.PutUint64(out, i)
		if err := c.Write(msgNumber, out, nil, sdk.Never); err != nil {
			fail("round trip %d: %v", i, err)
		}
		m, err := c.Read(in, nil, sdk.Never)
		if err != nil {
			fail("round trip %d: %v", i, err)
		}
		if m.Type != msgNumber || len(m.Data) != 8 {
			fail("round trip %d: answer of type %d with %d bytes", i, m.Type, len(m.Data))
		}
		if got := binary.LittleEndian.Uint64(m.Data); got != i+1 {
			fail("round trip %d: answer %d, want %d", i, got, i+1)
		}
	}
	end, _ := sdk.Monotonic()
	d := end - start
	printf("pingpong: %d round trips ok in %d ms (%d ns each)\n", n, d.Milliseconds(), d.Nanoseconds()/int64(n))

	// Closing the endpoint ends the child; wait for it so that its exit
	// is not mistaken for part of a later test.
	c.Close()
	if _, err := sdk.Wait(proc, abi.Signaled, sdk.After(5*time.Second)); err != nil {
		printf("pingpong: child did not end: %v\n", err)
	}
	sdk.Exit(0)
}

// child answers every number with the number plus one until the parent
// closes its endpoint.
func child() {
	hs := sdk.StartupHandles()
	if len(hs) != 1 || hs[0] == sdk.InvalidHandle {
		printf("pingpong child: started with handles %v, want one channel\n", hs)
		sdk.Exit(2)
	}
	c := sdk.Channel{Handle: hs[0]}
	buf := make([]byte, 8)
	for {
		m, err := c.Read(buf, nil, sdk.Never)
		if errors.Is(err, abi.EPEERCLOSED) {
			sdk.Exit(0)
		}
		if err != nil {
			printf("pingpong child: %v\n", err)
			sdk.Exit(1)
		}
		if len(m.Data) != 8 {
			printf("pingpong child: message of %d bytes\n", len(m.Data))
			sdk.Exit(1)
		}
		binary.LittleEndian.PutUint64(m.Data, binary.LittleEndian.Uint64(m.Data)+1)
		if err := c.Write(msgNumber, m.Data, nil, sdk.Never); err != nil {
			if errors.Is(err, abi.EPEERCLOSED) {
				sdk.Exit(0)
			}
			printf("pingpong child: %v\n", err)
			sdk.Exit(1)
		}
	}
}
