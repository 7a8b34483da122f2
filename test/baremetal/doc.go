// Package baremetal holds the tests that prove the Go runtime works on clk:
// goroutines, channels, timers, the garbage collector, finalizers, panics
// and interrupts, run on the bare machine under QEMU (GOOS=clk tests go
// through scripts/go_clk_amd64_exec).
//
// Its host-side tests (crash_test.go) boot small kernels from testdata that
// crash on purpose and read what they print: a divide by zero (divzero), a
// goroutine's unbounded recursion (stackoverflow), writes to kernel text and
// read-only data and a call into heap data (protection), and a read of an
// unmapped address far from nil (farfault). Each must end as the same Go
// program would on Linux, or in clk's CPU exception report, with a non-zero
// status.
package baremetal
