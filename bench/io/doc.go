// Command io compares clk with Linux on disk and network throughput: make
// bench-io builds its inputs and runs it.
//
// It boots each system under the same QEMU command line (clk/internal/qemu's,
// -M pc, the memory and accelerator of CLK_QEMU_MEM and CLK_QEMU_ACCEL, -smp
// from its flag) with the same two devices: a virtio disk holding a FAT32
// volume made anew for each boot by mkfs.fat (-F 32 -s 8, as make qemu's
// build/disk.img), and a virtio network device on QEMU's user network with
// restrict=on, whose only ways in are two hostfwd rules from the host's
// 127.0.0.1 to the guest's TCP sink and source (port 5001) and its HTTP
// server (port 80). Through the harness the other comparisons share
// (clk/bench/vslinux) it boots, one after the other, -runs times each:
//
//   - clk through its PVH note, with its initrd and the command line
//     clk.run=iobench,FLAGS, which makes the kernel run the ring-3 program
//     programs/iobench with its channels to the file system service (/disk)
//     and the network service, and power off when it ends;
//   - Debian's cloud kernel (scripts/linux-guest.sh) with an initramfs whose
//     /init is the same program built for GOOS=linux, with the kernel
//     modules it loads (virtio_pci, virtio_blk, virtio_net, vfat and what
//     they need); it powers the machine off when done.
//
// The guest first writes a file to its disk and reads it back, and prints
// those two figures by its own clock; then it listens, and this program
// measures from the host, by the host's clock: TCP throughput to the guest
// and from it over one connection each, and HTTP requests per second from
// a fixed number of keep-alive clients. programs/iobench's documentation
// has the protocol.
//
// It prints, for each figure, each system's best rate over the boots (MiB/s,
// or requests per second) and the ratio of clk's rate to Linux's, headed
// "clk/Linux rate": above 1, clk is faster (the goal is at least
// 1 on every figure), followed by what each figure measures on each system.
// It reports figures only and never fails because of one. A boot that does
// not give every figure is reported and its system not booted again; the
// program exits with status 1 only when a system gave no figure at all, and
// with status 2 for bad flags or missing files.
//
// Usage:
//
//	go run ./bench/io -linux-kernel vmlinuz [-linux-initrd build/iobench/initramfs.cpio]
//		[-clk build/clk.elf] [-clk-initrd build/initrd.cpio] [-runs 2] [-smp 2]
//		[-disk-mib 16] [-chunk 262144] [-tcp-mib 16] [-http-clients 4] [-http-time 5s]
//		[-http-body 1024] [-disk-kib 524288] [-mkfs /usr/sbin/mkfs.fat] [-timeout 10m] [-wait 3m]
//
// Every QEMU has a deadline, -timeout, and is killed when this program ends
// (and, on Linux, when it dies).
package main
