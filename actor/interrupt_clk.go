//go:build clk

package actor

import (
	_ "unsafe" // for go:linkname
)

// The runtime of clk can make another goroutine panic where it runs
// (rt/src/runtime/interrupt_clk.go); Kill uses it to stop an actor that
// never calls into this package.

// goroutineToken identifies the calling goroutine for interruptGoroutine.
//
//go:linkname goroutineToken runtime.clkGoroutineToken
func goroutineToken() uint64

// clkInterruptGoroutine makes the goroutine named by token panic with v at
// its next asynchronous safe point; false if it has exited.
//
//go:linkname clkInterruptGoroutine runtime.clkInterruptGoroutine
func clkInterruptGoroutine(token uint64, v any) bool

// interruptGoroutine makes the actor goroutine named by token panic with k.
func interruptGoroutine(token uint64, k *Killed) bool {
	return clkInterruptGoroutine(token, k)
}
