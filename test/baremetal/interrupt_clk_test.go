//go:build clk

package baremetal

import (
	"errors"
	"testing"
	"time"
	_ "unsafe" // for go:linkname
)

// The runtime's goroutine interrupt (rt/src/runtime/interrupt_clk.go).
//
//go:linkname goroutineToken runtime.clkGoroutineToken
func goroutineToken() uint64

//go:linkname interruptGoroutine runtime.clkInterruptGoroutine
func interruptGoroutine(token uint64, v any, mask *uint32) bool

var errStop = errors.New("stop")

var interruptSpins uint64

// A goroutine spinning without function calls cannot be asked to stop; the
// runtime's interrupt makes it panic where it spins, its defers run, and a
// recover sees the value.
func TestAnInterruptStopsAGoroutineSpinningWithoutCalls(t *testing.T) {
	tokens := make(chan uint64)
	done := make(chan any)
	go func() {
		defer func() { done <- recover() }()
		tokens <- goroutineToken()
		for {
			interruptSpins++
		}
	}()
	token := <-tokens
	time.Sleep(20 * time.Millisecond)
	if !interruptGoroutine(token, errStop, nil) {
		t.Fatal("the spinning goroutine was not found")
	}
	select {
	case v := <-done:
		if v != errStop {
			t.Fatalf("recovered %v, want %v", v, errStop)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the spinning goroutine did not stop within 5s")
	}
	// The goroutine exits right after its deferred send; give it a moment
	// (it may run on another CPU).
	for deadline := time.Now().Add(time.Second); interruptGoroutine(token, errStop, nil); {
		if time.Now().After(deadline) {
			t.Fatal("interrupting a goroutine that has exited still reports success after 1s")
		}
		time.Sleep(time.Millisecond)
	}
}
