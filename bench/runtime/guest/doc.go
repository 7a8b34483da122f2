// Command guest is the program that make bench-runtime runs on clk and on a
// Linux guest under the same QEMU command line. It measures five costs of the
// Go runtime and the kernel under it, each with testing.Benchmark:
//
//	chan-pingpong    a round trip between two goroutines over unbuffered channels
//	goroutine-spawn  starting a goroutine and waiting for it to end
//	alloc-gc         allocating 1 KiB objects with a 4 MiB live heap, collections included
//	sha256-16MiB     crypto/sha256 over 16 MiB
//	map-insert       inserting an int key into a map of up to 64Ki keys
//
// and then a parallel sha256 over 64 MiB split across GOMAXPROCS goroutines
// (the best of three rounds), whose time on 1 and on n CPUs gives the
// speed-up.
//
// Each benchmark prints two lines on standard output:
//
//	begin NAME
//	bench NAME ITERATIONS NS ns/op ops=OPS [KEY=VALUE...]
//
// ITERATIONS and NS are testing.Benchmark's result (the last, longest run,
// timed by the guest's clock); OPS counts the operations of every run
// between the two lines, so that an observer outside the guest can divide
// the time it measured between the lines by it. The lines come between a
// "runtimebench: start" line and a "runtimebench: done in N ms" line. The -benchtime flag sets the time per benchmark (default 1s), as
// go test's -test.benchtime does.
//
// Built for GOOS=clk it is a bootable kernel that ends the machine with its
// exit status. Built for GOOS=linux with CGO_ENABLED=0 it is a static program
// that, as /init of an initramfs, powers the machine off when done.
package main
