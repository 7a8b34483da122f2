//go:build !clk

package actor

// Off clk, Go offers no way to interrupt another goroutine, so Kill is
// cooperative there (see Kill).

// goroutineToken returns 0: there are no interrupt tokens off clk.
func goroutineToken() uint64 { return 0 }

// interruptGoroutine reports that it cannot interrupt.
func interruptGoroutine(token uint64, k *Killed) bool { return false }
