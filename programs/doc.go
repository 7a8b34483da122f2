// Package userprog holds nothing but documentation: its subdirectories
// are clk's ring-3 programs, each a package main built for GOOS=clk with
// the clk toolchain and linked in the user range,
//
//	scripts/clk-go build -ldflags='-T 0x7f0000101000 -E _rt0_amd64_clk_user' -o build/bin/NAME ./image/userprog/NAME
//
// that go into the initrd as /bin/NAME. They reach the kernel only through
// package clk/sdk and print to their console with sdk.Console.
//
//   - hello: prints its process id and arguments.
//   - pingpong: numbered round trips with a child process over a channel.
//   - probe: isolation probes, each of which the kernel must kill.
//   - sysfuzz: random syscalls with random arguments.
//   - ipcbench: the null syscall and a channel round trip between two
//     processes, as BENCH lines.
//
// Each also builds for the host, so that go vet and go build ./... cover
// it; there every syscall fails with ENOSYS.
package userprog
