// Package baremetal holds the tests that prove the Go runtime works on clk:
// goroutines, channels, timers, the garbage collector, finalizers, panics
// and interrupts, run on the bare machine under QEMU (GOOS=clk tests go
// through scripts/go_clk_amd64_exec), plus a host-side test that boots a
// kernel which divides by zero and reads its exception report.
package baremetal
