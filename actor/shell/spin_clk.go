//go:build clk

package shell

// spinForever loops without a single call, so that only the runtime's
// preemption of the actor can stop it: that is what spin demonstrates.
func spinForever(*Stage) {
	for {
	}
}
