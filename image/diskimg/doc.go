// Package diskimg lays out clk's raw disk image, the one `make img` writes
// to build/clk.img, and writes it. The image boots on a PC BIOS with clk's
// own loader (image/boot): its first sector is the loader's stage 1, as
// the master boot record, followed by two primary partitions:
//
//  1. the boot partition (type 0xDA, "non-file-system data", marked
//     active): stage 1 again in its first sector, so that another loader
//     can chainload the partition, stage 2 in the sectors after it, then
//     the kernel ELF and the initrd, each starting on a 4 KiB boundary;
//  2. the data partition (type 0x0C, FAT32 with LBA): an empty FAT32
//     volume labelled CLK.
//
// Stage 1 does not read the partition table: the builder writes the
// absolute sectors of stage 2 into stage 1's disk address packet, and the
// sectors and sizes of the kernel and the initrd, with the kernel's
// command line, into stage 2's header. Both partitions start on 1 MiB
// boundaries.
//
// The image is a function of its inputs alone: fixed disk signature,
// volume ID and label timestamp, no clock and no randomness, so that two
// builds of the same inputs are the same bytes. The file is sparse: what
// is never written (most of the data volume) takes no space on the host.
//
// The package runs on the host only; cmd/mkimg is its command line.
package diskimg
