//go:build !clk

package actor

// Off clk, Go offers no way to interrupt another goroutine: Kill is
// cooperative there (see Kill).

// goroutineToken returns 0: there are no tokens off clk.
func goroutineToken() uint64 { return 0 }

// interruptGoroutine is never called off clk, where tokens are 0.
func interruptGoroutine(token uint64, k *Killed) bool { return false }
