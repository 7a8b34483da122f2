// Command mkimg writes clk's raw disk image: the BIOS boot loader of
// image/boot, the kernel and the initrd on a boot partition, and an empty
// FAT32 data partition (package image/diskimg has the layout). make img
// runs it to write build/clk.img.
//
//	mkimg -stage1 stage1.bin -stage2 stage2.bin -kernel clk.elf [-initrd initrd.cpio] [-cmdline LINE] [-data-mib N] -o clk.img
package main

import (
	"flag"
	"fmt"
	"os"

	"clk/image/diskimg"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkimg:", err)
		os.Exit(1)
	}
}

func run() error {
	var c diskimg.Config
	stage1 := flag.String("stage1", "", "stage 1 of the boot loader, one sector (nasm output)")
	stage2 := flag.String("stage2", "", "stage 2 of the boot loader")
	kernel := flag.String("kernel", "", "the kernel ELF")
	initrd := flag.String("initrd", "", "the initrd; none if empty")
	out := flag.String("o", "", "the image to write")
	flag.StringVar(&c.Cmdline, "cmdline", "", "the kernel's command line")
	flag.IntVar(&c.DataMiB, "data-mib", diskimg.DefaultDataMiB, "size of the FAT32 data partition in MiB")
	flag.Parse()
	if *stage1 == "" || *stage2 == "" || *kernel == "" || *out == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, in := range []struct {
		path string
		dst  *[]byte
	}{{*stage1, &c.Stage1}, {*stage2, &c.Stage2}, {*kernel, &c.Kernel}, {*initrd, &c.Initrd}} {
		if in.path == "" {
			continue
		}
		b, err := os.ReadFile(in.path)
		if err != nil {
			return err
		}
		*in.dst = b
	}
	tmp := *out + ".new"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	l, err := diskimg.Write(f, c)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", *out, err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Printf("%s: %d MiB; kernel at sector %d, initrd at sector %d, FAT32 data partition of %d MiB at sector %d\n",
		*out, int64(l.Total)*diskimg.SectorSize>>20, l.Kernel.LBA, l.Initrd.LBA, int64(l.Data.Sectors)*diskimg.SectorSize>>20, l.Data.LBA)
	return nil
}
