// Package baremetal holds the tests of the Go runtime port (rt/), not of the
// kernel: they prove the Go runtime works on the bare machine under clk's
// GOOS: goroutines, channels, timers, the garbage collector, finalizers,
// panics, interrupts, several CPUs and a heap past 4 GiB, run under QEMU
// (GOOS=clk tests go through scripts/go_clk_amd64_exec). make test-clk runs
// them with the kernel's packages on 1, 2 and 4 CPUs, and once with 8 GiB.
//
// Its host-side tests (crash_test.go) boot small kernels from testdata that
// crash on purpose and read what they print: a divide by zero (divzero), a
// goroutine's unbounded recursion (stackoverflow), writes to kernel text and
// read-only data and a call into heap data (protection), and a read of an
// unmapped address far from nil (farfault). Each must end as the same Go
// program would on Linux, or in clk's CPU exception report, with a non-zero
// status.
package baremetal
