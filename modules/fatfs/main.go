package main

import (
	"fmt"

	"clk/drivers/fat"
	"clk/sdk"
	"clk/sdk/module"
	"clk/services/block"
	fsservice "clk/services/fs"
)

// console is the service's log: each line, which services/fs writes
// whole, goes to the console after the program's name.
type console struct{}

func (console) Write(b []byte) (int, error) {
	return sdk.Console.Write(append([]byte("fatfs: "), b...))
}

func fail(format string, args ...any) {
	fmt.Fprintf(console{}, format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	hs := sdk.StartupHandles()
	if len(hs) < 2 {
		fail("want a control channel and a block channel, got %d handles", len(hs))
	}
	blk := sdk.Channel{Handle: hs[1]}
	svc := &fsservice.Module{
		Log: console{},
		Mount: func(ro bool) (*fat.FS, error) {
			disk, err := block.Dial(blk)
			if err != nil {
				return nil, err
			}
			// Barriers: the disk may complete writes out of order until
			// they are flushed, and the volume's crash safety rests on
			// their order.
			return fat.Mount(disk, fat.Options{ReadOnly: ro || disk.ReadOnly(), Barriers: true})
		},
	}
	if err := module.Serve(sdk.Channel{Handle: hs[0]}, svc); err != nil {
		fail("%v", err)
	}
	if err := svc.Unmount(); err != nil {
		fail("%v", err)
	}
}
