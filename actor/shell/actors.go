package shell

import (
	"fmt"
	"time"
)

// ActorInfo is one line of ps.
type ActorInfo struct {
	ID      uint64
	Name    string
	State   string
	Mailbox int // messages waiting
	In, Out uint64
	Busy    time.Duration
}

// listActors returns the running actors, oldest first.
func listActors() []ActorInfo {
	stagesMu.Lock()
	defer stagesMu.Unlock()
	out := make([]ActorInfo, 0, len(stages))
	for _, st := range stages {
		out = append(out, ActorInfo{
			ID: st.id, Name: st.name, State: st.state.Load().(string),
			Mailbox: len(st.mbox), In: st.in.Load(), Out: st.out.Load(),
			Busy: time.Duration(st.busy.Load()),
		})
	}
	return out
}

// killActor stops the actor with the given ID.
func killActor(id uint64) error {
	stagesMu.Lock()
	defer stagesMu.Unlock()
	for _, st := range stages {
		if st.id == id {
			st.kill()
			return nil
		}
	}
	return fmt.Errorf("%d: no such actor", id)
}
