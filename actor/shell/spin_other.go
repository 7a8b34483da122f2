//go:build !clk

package shell

// spinForever loops until the actor is told to stop. Off clk an actor can
// only be stopped when it looks, so the loop looks on each turn.
func spinForever(p *Stage) {
	for p.Stopped() == nil {
	}
}
