package module

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"clk/abi"
	"clk/sdk"
)

// Service is a module's code.
type Service interface {
	// Handle serves one request and returns the reply's data, which is
	// sent when the client waits for one (a channel_call; Request.Call)
	// and dropped otherwise. It runs in the serving goroutine: a request
	// that never returns keeps the instance from quiescing, and the
	// manager kills it.
	Handle(r Request) []byte
	// Export returns the state, at most abi.ModMaxState bytes, for the
	// instance that replaces this one. It is called while quiescent.
	Export() ([]byte, error)
	// Import takes the state an instance of fromVersion exported, before
	// the first request; state is the service's from then on (it may keep
	// slices of it rather than copies). An error refuses it: the
	// replacement is rolled back and the old instance serves on.
	Import(state []byte, fromVersion string) error
}

// Starter is a Service with work to do before its first request when it
// starts from scratch (no state to import): a file system mounts its
// volume there rather than in main, since a replacement's process starts
// while the instance it replaces still serves. An error refuses the
// start.
type Starter interface {
	Start() error
}

// Departures is a Service that keeps something per client and wants to
// know when a client has gone: its channel closed and nothing of it is
// left to read.
type Departures interface {
	Gone(client uint64)
}

// Request is one message of a client.
type Request struct {
	// Service is the name of the service the client connected to.
	Service string
	// Client names the client's channel: the same number in every
	// instance that serves it, so that what Export wrote of a client
	// finds it again after Import.
	Client uint64
	// Type is the message's type, 1 to abi.ModServiceTypes; the reply has
	// the same.
	Type uint32
	// Data is the request's bytes; it is reused after Handle returns.
	Data []byte
	// Call is set when the client waits for a reply.
	Call bool
}

// Main runs svc over the control channel that is the process's first
// startup handle and exits the process: with status 0 when the manager
// stopped it, 1 on an error, which it prints.
func Main(svc Service) {
	hs := sdk.StartupHandles()
	if len(hs) == 0 || hs[0] == sdk.InvalidHandle {
		fmt.Fprintln(os.Stderr, "module: no control channel")
		os.Exit(1)
	}
	if err := Serve(sdk.Channel{Handle: hs[0]}, svc); err != nil {
		fmt.Fprintf(os.Stderr, "module: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// ErrManagerGone is Serve's error when the manager's end of the control
// channel closed.
var ErrManagerGone = errors.New("module manager gone")

// endpoint is a client channel the instance serves.
type endpoint struct {
	ch      sdk.Channel
	service string
	client  uint64
}

type server struct {
	ctl      sdk.Channel
	svc      Service
	eps      []endpoint
	quiesced bool
	buf      []byte
	hs       []sdk.Handle
}

// Serve runs svc over the control channel ctl: it imports the state the
// manager sends, serves the client endpoints it attaches and answers the
// control protocol, until the manager sends ModStop (nil) or something
// fails. It closes the endpoints' handles when it returns, not ctl.
func Serve(ctl sdk.Channel, svc Service) error {
	s := &server{ctl: ctl, svc: svc, buf: make([]byte, abi.MaxData), hs: make([]sdk.Handle, 1)}
	defer func() {
		for _, ep := range s.eps {
			ep.ch.Close()
		}
	}()
	if err := s.begin(); err != nil {
		return err
	}
	items := make([]sdk.WaitItem, 0, abi.MaxWaitItems)
	for {
		items = items[:0]
		items = append(items, sdk.WaitItem{Handle: ctl.Handle, Want: abi.Readable | abi.PeerClosed})
		if !s.quiesced {
			for _, ep := range s.eps {
				items = append(items, sdk.WaitItem{Handle: ep.ch.Handle, Want: abi.Readable | abi.PeerClosed})
			}
		}
		if _, err := sdk.WaitMany(items, sdk.Never); err != nil {
			// A revoked or closed endpoint fails the whole wait: drop
			// it and wait again.
			if s.dropDead() {
				continue
			}
			return fmt.Errorf("wait: %w", err)
		}
		if items[0].Observed&abi.Readable != 0 {
			stop, err := s.control()
			if stop || err != nil {
				return err
			}
		} else if items[0].Observed&abi.PeerClosed != 0 {
			return ErrManagerGone
		}
		if s.quiesced {
			continue
		}
		// One message from each ready client; the items past the
		// endpoints a control message may have added are not there.
		var gone []sdk.Handle
		for i, it := range items[1:] {
			switch {
			case it.Observed&abi.Readable != 0:
				if !s.serveOne(s.eps[i]) {
					gone = append(gone, it.Handle)
				}
			case it.Observed&abi.PeerClosed != 0:
				gone = append(gone, it.Handle)
			}
		}
		for _, h := range gone {
			s.depart(h)
		}
	}
}

// begin says the instance runs (ModHello), reads ModStart, imports the
// state that follows it if any, and reports ready (or refused).
func (s *server) begin() error {
	if err := s.ctl.Write(abi.ModHello, nil, nil, sdk.Never); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	m, err := s.ctl.Read(s.buf, nil, sdk.Never)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if m.Type != abi.ModStart || len(m.Data) < 1 {
		return fmt.Errorf("start: message type %d where ModStart was due", m.Type)
	}
	if m.Data[0] == 0 {
		if st, ok := s.svc.(Starter); ok {
			if err := st.Start(); err != nil {
				return s.refuse(fmt.Errorf("start: %w", err))
			}
		}
		return s.ctl.Write(abi.ModReady, nil, nil, sdk.Never)
	}
	if len(m.Data) < 9 {
		return fmt.Errorf("start: ModStart of %d bytes with a state", len(m.Data))
	}
	size, from := binary.LittleEndian.Uint64(m.Data[1:]), string(m.Data[9:])
	if size > abi.ModMaxState {
		return s.refuse(fmt.Errorf("start: state of %d bytes, at most %d", size, abi.ModMaxState))
	}
	state := make([]byte, 0, size)
	for {
		m, err := s.ctl.Read(s.buf, nil, sdk.Never)
		if err != nil {
			return fmt.Errorf("start: state: %w", err)
		}
		if m.Type == abi.ModStateEnd {
			if len(m.Data) != 8 || binary.LittleEndian.Uint64(m.Data) != uint64(len(state)) {
				return s.refuse(fmt.Errorf("start: state of %d bytes, its end says otherwise", len(state)))
			}
			break
		}
		if m.Type != abi.ModState {
			return fmt.Errorf("start: message type %d in the state", m.Type)
		}
		if uint64(len(state)+len(m.Data)) > size {
			return s.refuse(fmt.Errorf("start: state beyond the %d bytes announced", size))
		}
		state = append(state, m.Data...)
	}
	if err := s.svc.Import(state, from); err != nil {
		return s.refuse(fmt.Errorf("import the state of %s: %w", from, err))
	}
	return s.ctl.Write(abi.ModReady, nil, nil, sdk.Never)
}

// refuse tells the manager err and returns it.
func (s *server) refuse(err error) error {
	reason := err.Error()
	if len(reason) > abi.ModMaxText {
		reason = reason[:abi.ModMaxText]
	}
	s.ctl.Write(abi.ModRefused, []byte(reason), nil, sdk.Never)
	return err
}

// control answers one control message; stop is set by ModStop.
func (s *server) control() (stop bool, err error) {
	m, err := s.ctl.Read(s.buf, s.hs, sdk.Now)
	if errors.Is(err, abi.EEMPTY) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("control: %w", err)
	}
	switch m.Type {
	case abi.ModAttach:
		if len(m.Data) < 8 {
			m.Handles[0].Close()
			return false, fmt.Errorf("control: an attachment of %d bytes, without its client's id", len(m.Data))
		}
		s.eps = append(s.eps, endpoint{ch: sdk.Channel{Handle: m.Handles[0]}, client: binary.LittleEndian.Uint64(m.Data), service: string(m.Data[8:])})
	case abi.ModQuiesce:
		s.quiesced = true
		return false, s.ctl.Write(abi.ModQuiesced, nil, nil, sdk.Never)
	case abi.ModExport:
		return false, s.export()
	case abi.ModResume:
		s.quiesced = false
	case abi.ModStop:
		return true, nil
	case abi.ModPing:
		// A heartbeat: answered here, in the serving loop, so that an
		// instance stuck in a request misses it.
		return false, s.ctl.Write(abi.ModPong, m.Data, nil, sdk.Never)
	default:
		for _, h := range m.Handles {
			h.Close()
		}
		return false, fmt.Errorf("control: message type %d out of turn", m.Type)
	}
	return false, nil
}

// export sends the state in chunks, or refuses.
func (s *server) export() error {
	if !s.quiesced {
		s.refuse(errors.New("export while serving"))
		return nil
	}
	state, err := s.svc.Export()
	if err == nil && len(state) > abi.ModMaxState {
		err = fmt.Errorf("state of %d bytes, at most %d", len(state), abi.ModMaxState)
	}
	if err != nil {
		s.refuse(fmt.Errorf("export: %w", err))
		return nil
	}
	for off := 0; off < len(state); off += abi.ModMaxChunk {
		if err := s.ctl.Write(abi.ModState, state[off:min(off+abi.ModMaxChunk, len(state))], nil, sdk.Never); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return s.ctl.Write(abi.ModStateEnd, binary.LittleEndian.AppendUint64(nil, uint64(len(state))), nil, sdk.Never)
}

// serveOne reads and serves one request of ep; false means ep is of no
// more use (its client is gone, or the manager took it back).
func (s *server) serveOne(ep endpoint) bool {
	m, err := ep.ch.Read(s.buf, nil, sdk.Now)
	switch {
	case errors.Is(err, abi.EEMPTY):
		return true
	case err != nil:
		return false
	}
	reply := s.svc.Handle(Request{Service: ep.service, Client: ep.client, Type: m.Type, Data: m.Data, Call: m.Txid != 0})
	if m.Txid != 0 {
		// A reply goes straight to the waiting call; should the client
		// have stopped waiting and filled its queue, it is dropped
		// rather than holding up every other client.
		ep.ch.Reply(m.Txid, m.Type, reply, nil, sdk.Now)
	}
	return true
}

// dropDead drops the endpoints whose handles no longer work (revoked or
// closed) and reports whether there were any.
func (s *server) dropDead() bool {
	var dead []sdk.Handle
	for _, ep := range s.eps {
		if _, err := sdk.Wait(ep.ch.Handle, abi.Readable, sdk.Now); err != nil && !errors.Is(err, abi.ETIMEDOUT) {
			dead = append(dead, ep.ch.Handle)
		}
	}
	for _, h := range dead {
		s.drop(h)
	}
	return len(dead) > 0
}

// depart drops the endpoint of handle h, whose client has gone, and
// tells the service.
func (s *server) depart(h sdk.Handle) {
	for _, ep := range s.eps {
		if ep.ch.Handle == h {
			s.drop(h)
			if d, ok := s.svc.(Departures); ok {
				d.Gone(ep.client)
			}
			return
		}
	}
}

// drop closes the endpoint of handle h and forgets it.
func (s *server) drop(h sdk.Handle) {
	for i, ep := range s.eps {
		if ep.ch.Handle == h {
			ep.ch.Close()
			s.eps = append(s.eps[:i], s.eps[i+1:]...)
			return
		}
	}
}
