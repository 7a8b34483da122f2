package module

import (
	"encoding/binary"
	"errors"
	"time"

	"clk/abi"
	"clk/kernel/ipc"
)

// heartbeat is what the manager knows of a module's heartbeats. Its
// fields are guarded by Manager.mu.
type heartbeat struct {
	// seq numbers the pings of the module's instances.
	seq uint64
	// latency is the time the last answered ping took; misses counts the
	// pings unanswered in a row since.
	latency time.Duration
	misses  int
}

// ping sends inst a heartbeat and waits at most timeout for its answer,
// the module's supervisor not running anything else meanwhile: a ping
// never overlaps a step of the lifecycle, and an answer that comes too
// late is skipped by whoever reads the control channel next.
func (mod *Module) ping(inst *instance, timeout time.Duration) {
	m := mod.m
	m.mu.Lock()
	mod.beat.seq++
	seq := mod.beat.seq
	m.mu.Unlock()
	sent := time.Now()
	deadline := sent.Add(timeout)
	err := inst.ctl.Write(ipc.Message{Type: abi.ModPing, Data: binary.LittleEndian.AppendUint64(nil, seq)}, deadline, true)
	for err == nil {
		var msg ipc.Message
		msg, err = inst.ctl.Read(deadline, true, nil)
		if err != nil {
			break
		}
		for _, c := range msg.Caps {
			c.Close()
		}
		if msg.Type == abi.ModPong && len(msg.Data) == 8 && binary.LittleEndian.Uint64(msg.Data) == seq {
			m.mu.Lock()
			mod.beat.latency, mod.beat.misses = time.Since(sent), 0
			m.mu.Unlock()
			return
		}
		// An earlier ping's late answer, or a message out of turn:
		// neither answers this ping.
	}
	if errors.Is(err, ipc.ErrPeerClosed) {
		// The instance ended; the supervisor hears of it from Done.
		return
	}
	m.mu.Lock()
	mod.beat.misses++
	m.mu.Unlock()
}

// heartbeatTimeout is how long a ping waits for its answer: half the
// period, so that a module that answers late is still pinged on time.
func heartbeatTimeout(period time.Duration) time.Duration { return period / 2 }
