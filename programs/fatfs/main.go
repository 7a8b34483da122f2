package main

import (
	"fmt"

	"clk/drivers/fat"
	"clk/drivers/mbr"
	"clk/sdk"
	"clk/services/block"
	fsservice "clk/services/fs"
)

func fail(format string, args ...any) {
	fmt.Fprintf(sdk.Console, format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	hs := sdk.StartupHandles()
	if len(hs) < 2 {
		fail("want a block channel and a control channel, got %d handles", len(hs))
	}
	disk, err := block.Dial(sdk.Channel{Handle: hs[0]})
	if err != nil {
		fail("%v", err)
	}
	// Barriers: the disk may complete writes out of order until they
	// are flushed, and the volume's crash safety rests on their order.
	opts := fat.Options{ReadOnly: disk.ReadOnly(), Barriers: true}
	fsys, err := fat.Mount(disk, opts)
	if err != nil {
		// A disk with a partition table (clk's raw image) holds its
		// volume in a FAT32 partition.
		p, ok := fat32Partition(disk)
		if !ok {
			fail("refused the volume: %v", err)
		}
		if fsys, err = fat.Mount(mbr.NewView(disk, p), opts); err != nil {
			fail("refused the volume of partition %d: %v", p.Index, err)
		}
		fmt.Fprintf(sdk.Console, "the volume is partition %d, sectors %d to %d\n", p.Index, p.First, p.First+p.Count-1)
	}
	if r := fsys.MountReport(); !r.WasClean {
		// Mount repaired what an interrupted write left (drivers/fat,
		// Repair) before it returned.
		if r.RepairErr != nil {
			fmt.Fprintf(sdk.Console, "not cleanly unmounted; not repaired, so read-only: %v\n", r.RepairErr)
		} else {
			fmt.Fprintf(sdk.Console, "not cleanly unmounted; repaired: %v\n", r.Repair)
		}
	}
	u, err := fsys.StatFS()
	if err != nil {
		fail("mount: %v", err)
	}
	mode := "read-write"
	if fsys.ReadOnly() {
		mode = "read-only"
	}
	fmt.Fprintf(sdk.Console, "mounted %q, %d MiB, %d MiB free, %s\n", u.Label, u.TotalBytes>>20, u.FreeBytes>>20, mode)
	svc := fsservice.New(fsys)
	svc.Log = sdk.Console
	if err := svc.ServeControl(sdk.Channel{Handle: hs[1]}); err != nil {
		fail("%v", err)
	}
	if err := fsys.Sync(); err != nil {
		fail("sync: %v", err)
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
