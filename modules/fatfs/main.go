package main

import (
	"fmt"

	"clk/drivers/fat"
	"clk/drivers/mbr"
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
			opts := fat.Options{ReadOnly: ro || disk.ReadOnly(), Barriers: true}
			fsys, err := fat.Mount(disk, opts)
			if err == nil {
				return fsys, nil
			}
			// A disk with a partition table (clk's raw image) holds its
			// volume in a FAT32 partition.
			p, ok := fat32Partition(disk)
			if !ok {
				return nil, err
			}
			if fsys, err = fat.Mount(mbr.NewView(disk, p), opts); err != nil {
				return nil, fmt.Errorf("partition %d: %w", p.Index, err)
			}
			fmt.Fprintf(console{}, "the volume is partition %d, sectors %d to %d\n", p.Index, p.First, p.First+p.Count-1)
			return fsys, nil
		},
	}
	if err := module.Serve(sdk.Channel{Handle: hs[0]}, svc); err != nil {
		fail("%v", err)
	}
	if err := svc.Unmount(); err != nil {
		fail("%v", err)
	}
}

// fat32Partition returns the disk's first FAT32 partition, if its first
// sector holds a partition table with one.
func fat32Partition(disk mbr.Disk) (mbr.Partition, bool) {
	sector := make([]byte, disk.SectorSize())
	if err := disk.ReadSectors(sector, 0); err != nil {
		return mbr.Partition{}, false
	}
	parts, err := mbr.Parse(sector, disk.Sectors())
	if err != nil {
		return mbr.Partition{}, false
	}
	return mbr.FAT32(parts)
}
