// Package programs holds nothing but documentation: its subdirectories
// are clk's ring-3 programs, each a package main built for GOOS=clk with
// the clk toolchain and linked in the user range,
//
//	scripts/clk-go build -ldflags='-T 0x7f0000101000 -w' -o build/initrd-root/bin/NAME ./programs/NAME
//
// (make build/initrd.cpio does this; with -T the linker picks the user entry
// point), that go into the initrd as /bin/NAME: a program's name is its
// directory's, so clk.run=ipcbench on the kernel command line runs
// programs/ipcbench. They reach the kernel only through package clk/sdk,
// with the numbers of clk/abi, and print to their console with
// sdk.Console. Test programs stay here; signed
// modules will have a folder of their own.
//
//   - hello: prints its process id and arguments.
//   - pingpong: numbered round trips with a child process over a channel.
//   - probe: isolation probes, each of which the kernel must kill.
//   - sysfuzz: random syscalls with random arguments.
//   - nl: numbers the lines of its mailbox, for run inside pipelines.
//   - kvload: appends sequence numbers to the kv module's service without
//     pause and checks them back, for hot swaps under load.
//   - ipcbench: the null syscall and a channel round trip between two
//     processes, as BENCH lines.
//   - netcheck: package net and net/http over the network service, which
//     it serves to itself over a stack in memory.
//   - iobench: a file written and read on /disk, a TCP sink and source and
//     an HTTP server, for make bench-io; it uses package os and net only,
//     and builds as a static Linux /init too.
//   - modfetch: the kernel's HTTP fetcher of module files for mod install
//     URL, which hands the body to the kernel over a channel.
//
// Each also builds for the host, so that go vet and go build ./... cover
// it; there every syscall fails with ENOSYS.
package programs
