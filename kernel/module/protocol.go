package module

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
)

// Rights of the handles the manager makes.
const (
	// controlRights are an instance's rights on its control channel.
	controlRights = abi.RightRead | abi.RightWrite | abi.RightWait
	// endpointRights are an instance's rights on the service's end of a
	// client channel: it serves it, and can pass it to no one.
	endpointRights = abi.RightRead | abi.RightWrite | abi.RightWait
	// ClientRights are the rights of a client's end of a service's
	// channel, as Connect returns it.
	ClientRights = abi.RightRead | abi.RightWrite | abi.RightWait | abi.RightDuplicate | abi.RightTransfer
)

// controlSchema is the control protocol of abi/module.go.
var controlSchema = mustSchema(
	ipc.MessageSpec{Type: abi.ModStart, MaxData: 1 + 8 + abi.ModMaxText},
	ipc.MessageSpec{Type: abi.ModState, MaxData: abi.ModMaxChunk},
	ipc.MessageSpec{Type: abi.ModStateEnd, MaxData: 8},
	ipc.MessageSpec{Type: abi.ModReady},
	ipc.MessageSpec{Type: abi.ModRefused, MaxData: abi.ModMaxText},
	ipc.MessageSpec{Type: abi.ModAttach, MaxData: 8 + abi.ModMaxText,
		Handles: []ipc.HandleSpec{{Type: abi.TypeChannel, Rights: endpointRights}}},
	ipc.MessageSpec{Type: abi.ModQuiesce},
	ipc.MessageSpec{Type: abi.ModQuiesced},
	ipc.MessageSpec{Type: abi.ModExport},
	ipc.MessageSpec{Type: abi.ModResume},
	ipc.MessageSpec{Type: abi.ModStop},
	ipc.MessageSpec{Type: abi.ModPing, MaxData: 8},
	ipc.MessageSpec{Type: abi.ModPong, MaxData: 8},
	ipc.MessageSpec{Type: abi.ModHello},
)

// serviceSchema is every module service's client channel: the types 1 to
// abi.ModServiceTypes, bytes only.
var serviceSchema = func() *ipc.Schema {
	specs := make([]ipc.MessageSpec, abi.ModServiceTypes)
	for i := range specs {
		specs[i] = ipc.MessageSpec{Type: uint32(i + 1), MaxData: abi.MaxData}
	}
	return mustSchema(specs...)
}()

func mustSchema(specs ...ipc.MessageSpec) *ipc.Schema {
	s, err := ipc.NewSchema(specs...)
	if err != nil {
		panic(err)
	}
	return s
}

// controlDepth is the queue of each end of a control channel: room for
// an attachment per client an instance can serve and the protocol's few
// other messages, so that attaching never waits.
const controlDepth = abi.MaxQueue

// snapshot is a state an instance exported and the version it ran.
type snapshot struct {
	data []byte
	from string
}

// instance is a running copy of a module as the manager sees it: the
// launched process and the manager's end of its control channel.
type instance struct {
	proc    Instance
	ctl     *ipc.Endpoint
	version string
	// greeted is set once the instance's ModHello was read; owned by
	// whoever drives the instance (Activate, then its supervisor).
	greeted bool
	// sent is how long start took to send the state, of the time until
	// the instance reported ready.
	sent time.Duration

	releaseOnce sync.Once
}

// send writes a control message, waiting at most timeout for room.
func (in *instance) send(typ uint32, data []byte, caps []*cap.Cap, timeout time.Duration) error {
	err := in.ctl.Write(ipc.Message{Type: typ, Data: data, Caps: caps}, time.Now().Add(timeout), true)
	if errors.Is(err, ipc.ErrPeerClosed) {
		return fmt.Errorf("%w: %v", ErrDied, err)
	}
	return err
}

// readStep reads the next control message of a lifecycle step, skipping
// the late answers to heartbeats.
func (in *instance) readStep(deadline time.Time) (ipc.Message, error) {
	for {
		m, err := in.ctl.Read(deadline, true, nil)
		if err != nil || m.Type != abi.ModPong {
			return m, err
		}
	}
}

// refusal is an instance's ModRefused, with its reason.
type refusal struct{ reason string }

func (r *refusal) Error() string { return "refused: " + r.reason }

// expect reads the next control message, which must be of type want, for
// at most timeout. A ModRefused is returned as a *refusal; the end of the
// instance as ErrDied; a timeout as ipc.ErrTimedOut.
func (in *instance) expect(want uint32, timeout time.Duration) (ipc.Message, error) {
	m, err := in.readStep(time.Now().Add(timeout))
	if err != nil {
		if errors.Is(err, ipc.ErrPeerClosed) {
			return m, fmt.Errorf("%w: %v", ErrDied, err)
		}
		return m, err
	}
	for _, c := range m.Caps {
		c.Close()
	}
	switch {
	case m.Type == want:
		return m, nil
	case m.Type == abi.ModRefused:
		return m, &refusal{reason: string(m.Data)}
	default:
		return m, fmt.Errorf("message type %d where %d was due: %w", m.Type, want, ErrProtocol)
	}
}

// greet waits for the instance's ModHello, once: its process runs and
// waits for ModStart.
func (in *instance) greet(timeout time.Duration) error {
	if in.greeted {
		return nil
	}
	if _, err := in.expect(abi.ModHello, timeout); err != nil {
		return err
	}
	in.greeted = true
	return nil
}

// start hands the instance its state (none when s is nil) and waits for
// it to report ready.
func (in *instance) start(s *snapshot, t Timeouts) error {
	if err := in.greet(t.Start); err != nil {
		return err
	}
	if s == nil {
		if err := in.send(abi.ModStart, []byte{0}, nil, t.Start); err != nil {
			return err
		}
	} else {
		// The length first, so that the instance takes room for the
		// state once rather than growing it chunk by chunk.
		start := binary.LittleEndian.AppendUint64([]byte{1}, uint64(len(s.data)))
		if err := in.send(abi.ModStart, append(start, s.from...), nil, t.Start); err != nil {
			return err
		}
		began := time.Now()
		if err := in.sendState(s.data, t.Start); err != nil {
			return err
		}
		in.sent = time.Since(began)
	}
	_, err := in.expect(abi.ModReady, t.Start)
	return err
}

// sendState writes data as ModState chunks and ModStateEnd.
func (in *instance) sendState(data []byte, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for off := 0; off < len(data); off += abi.ModMaxChunk {
		chunk := data[off:min(off+abi.ModMaxChunk, len(data))]
		if err := in.send(abi.ModState, chunk, nil, time.Until(deadline)); err != nil {
			return err
		}
	}
	return in.send(abi.ModStateEnd, binary.LittleEndian.AppendUint64(nil, uint64(len(data))), nil, time.Until(deadline))
}

// export reads the state the instance sends once quiesce asked for it.
func (in *instance) export(timeout time.Duration) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	var data []byte
	for {
		m, err := in.readStep(deadline)
		if err != nil {
			if errors.Is(err, ipc.ErrPeerClosed) {
				return nil, fmt.Errorf("%w: %v", ErrDied, err)
			}
			return nil, err
		}
		switch m.Type {
		case abi.ModState:
			if len(data)+len(m.Data) > abi.ModMaxState {
				return nil, fmt.Errorf("state beyond %d bytes: %w", abi.ModMaxState, ErrProtocol)
			}
			data = append(data, m.Data...)
		case abi.ModStateEnd:
			if len(m.Data) != 8 || binary.LittleEndian.Uint64(m.Data) != uint64(len(data)) {
				return nil, fmt.Errorf("state of %d bytes, its end says otherwise: %w", len(data), ErrProtocol)
			}
			return data, nil
		case abi.ModRefused:
			return nil, &refusal{reason: string(m.Data)}
		default:
			for _, c := range m.Caps {
				c.Close()
			}
			return nil, fmt.Errorf("message type %d in a state: %w", m.Type, ErrProtocol)
		}
	}
}

// quiesce asks the instance to stop serving, and then for its state,
// which export reads, and waits for its answer to the first. Both
// requests go at once, so that the instance goes on from quiescing to
// exporting without waiting for the manager in between.
func (in *instance) quiesce(timeout time.Duration) error {
	if err := in.send(abi.ModQuiesce, nil, nil, timeout); err != nil {
		return err
	}
	if err := in.send(abi.ModExport, nil, nil, timeout); err != nil {
		return err
	}
	_, err := in.expect(abi.ModQuiesced, timeout)
	return err
}

// survive waits d and fails with ErrDied if the instance ends first.
func (in *instance) survive(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-in.proc.Done():
		code, report := in.proc.Status()
		return fmt.Errorf("%w within %v of starting: status %d %s", ErrDied, d, code, report)
	case <-t.C:
		return nil
	}
}

// stop asks the instance to exit and kills it when it has not within
// timeout; the control channel goes with it.
func (in *instance) stop(timeout time.Duration) (killed bool) {
	in.send(abi.ModStop, nil, nil, timeout)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-in.proc.Done():
	case <-t.C:
		in.proc.Kill("did not stop in time")
		<-in.proc.Done()
		killed = true
	}
	in.release()
	return killed
}

// kill ends the instance at once.
func (in *instance) kill(reason string) {
	in.proc.Kill(reason)
	<-in.proc.Done()
	in.release()
}

// release lets go of the manager's end of the control channel, once the
// instance has ended.
func (in *instance) release() {
	in.releaseOnce.Do(in.ctl.Release)
}
