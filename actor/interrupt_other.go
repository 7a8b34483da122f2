package actor

// Go offers no way to interrupt another goroutine, so Kill is cooperative
// (see Kill): the runtime of clk will provide one.

// goroutineToken returns 0: there are no interrupt tokens.
func goroutineToken() uint64 { return 0 }

// interruptGoroutine is never called, as tokens are 0.
func interruptGoroutine(token uint64, k *Killed) bool { return false }
