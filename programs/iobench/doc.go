// Iobench is the guest side of make bench-io: the same program runs as a
// ring-3 program on clk (clk.run=iobench) and as a static Linux /init
// (GOOS=linux, CGO_ENABLED=0), and measures, through package os and
// package net only, what bench/io compares between the two systems.
//
// First the disk: it writes a file of -disk-mib MiB to -dir (/disk) in
// chunks of -chunk bytes, syncs it (File.Sync) and closes it, then reads
// it back in chunks of the same size and checks every byte. Each step is
// timed by the guest's own clock, from the open to the close, and printed
// as
//
//	BENCH disk-write BYTES NANOSECONDS
//	BENCH disk-read BYTES NANOSECONDS
//
// Between the two, the read is kept from being served out of memory: on
// Linux the program syncs and drops the page cache (/proc/sys/vm/drop_caches),
// so the read goes to the virtio block device; on clk the file system
// service (modules/fatfs) keeps no file data in memory, so every read goes
// to the device already. On clk /disk is the file system service's volume
// on the virtio disk; on Linux the program mounts that disk (/dev/vda) as
// vfat at /disk.
//
// Then the network: it listens on -tcp-port and -http-port and prints
//
//	BENCH ready
//
// after which bench/io, on the host, connects through QEMU's hostfwd
// rules. Every connection to -tcp-port starts with the program's greeting,
// "iobench\n" (QEMU accepts a forwarded connection before the guest does,
// so only the greeting shows that the guest is there), then takes one
// command line:
//
//	sink N     read N bytes, then answer "ok N\n"
//	source N   write N bytes, then close
//	quit       answer "bye\n"; the program then ends
//
// -http-port serves net/http: every path answers 200 with a body of
// -http-body bytes. After quit (or -serve-limit without one) it prints
//
//	BENCH done
//
// and ends: clk's kernel then powers the machine off; as Linux's /init
// (process 1) the program unmounts the disk and powers off itself.
//
// As Linux's /init it first prepares the machine, which has nothing but
// the program and the kernel modules that scripts/linux-guest.sh put in
// the initramfs's /modules: it mounts devtmpfs, proc and sysfs, loads the
// modules in the order of their names (finit_module), waits for /dev/vda
// and the network interface, gives the interface QEMU's user network
// address 10.0.2.15/24 (which clk gets by DHCP) and mounts the disk.
//
// Problems are printed as lines starting "iobench:"; a figure whose step
// failed has no line, and the program ends with status 1.
//
// Usage:
//
//	iobench [-dir /disk] [-disk-mib 16] [-chunk 262144] [-tcp-port 5001]
//		[-http-port 80] [-http-body 1024] [-serve-limit 10m]
//
// On clk the arguments come after the name, separated by commas
// (clk.run=iobench,-disk-mib,16); as Linux's /init, on the kernel command
// line after "--".
package main
