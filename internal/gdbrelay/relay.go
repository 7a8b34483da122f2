package gdbrelay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// detachWait bounds how long the relay waits for the stub's answer to the
// 'D' that stands in for a kill.
const detachWait = 5 * time.Second

// detach is the packet that stands in for a kill. With the multiprocess
// extension, which Delve asks for, QEMU refuses a 'D' that names no
// process (E22); its one process, all the vCPUs, is pid 1.
const detach = "D;1"

// ackWait bounds how long the relay waits for the debugger to acknowledge
// the answer to its kill.
const ackWait = 2 * time.Second

// Relay joins a debugger's connection to a stub's. Its zero value is not
// ready: set Debugger and Stub.
type Relay struct {
	Debugger io.ReadWriteCloser // the debugger (Delve) side
	Stub     io.ReadWriteCloser // QEMU's gdbstub
	// Log, when set, gets a line for each resume, stop, dropped query and
	// kill, for whoever wants to see what the relay did.
	Log io.Writer

	mu          sync.Mutex
	running     bool // a continue or step was sent and no stop reply came yet
	noAck       bool // both sides agreed to QStartNoAckMode
	askedNoAck  bool // QStartNoAckMode was sent, its reply not yet seen
	detaching   bool // a kill became a detach: the stub's replies are not the debugger's
	debuggerOut sync.Mutex
	detached    chan struct{} // closed when the stub answered the detach
}

// Run relays until the debugger's connection ends or the debugger kills
// the target, then closes both connections. It returns nil when the
// debugger ended the session (a kill, or its connection closed), else why
// the relay broke.
func (r *Relay) Run() error {
	r.detached = make(chan struct{})
	stubErr := make(chan error, 1)
	go func() { stubErr <- r.fromStub() }()
	err := r.fromDebugger()
	r.Debugger.Close()
	if r.isDetaching() {
		select {
		case <-r.detached:
		case <-time.After(detachWait):
			err = fmt.Errorf("relay: the stub did not answer the detach in %v", detachWait)
		}
	}
	r.Stub.Close()
	if serr := <-stubErr; err == nil && serr != nil && !r.isDetaching() {
		err = serr
	}
	return err
}

func (r *Relay) isDetaching() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.detaching
}

func (r *Relay) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, "gdbrelay: "+format+"\n", args...)
	}
}

// fromDebugger forwards the debugger's frames to the stub. It returns nil
// when the debugger closed its connection or killed the target.
func (r *Relay) fromDebugger() error {
	in := bufio.NewReader(r.Debugger)
	for {
		frame, err := readFrame(in)
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("relay: from the debugger: %w", err)
		}
		if frame[0] == '$' {
			forward, kill := r.debuggerPacket(payload(frame))
			if kill {
				r.logf("kill: detaching instead, the guest runs on")
				if _, err := r.Stub.Write(packet(detach)); err != nil {
					return fmt.Errorf("relay: detach: %w", err)
				}
				return r.answerKill(in)
			}
			if !forward {
				r.logf("dropped a stop-reason query sent while the target runs")
				if !r.ackless() {
					if err := r.toDebugger([]byte{'+'}); err != nil {
						return err
					}
				}
				continue
			}
		}
		if _, err := r.Stub.Write(frame); err != nil {
			return fmt.Errorf("relay: to the stub: %w", err)
		}
	}
}

// answerKill answers a kill as a killed process would: exited on signal 9.
// Delve then neither detaches nor waits. With acknowledgements on, the
// kill is acknowledged first, and the answer's acknowledgement is waited
// for (up to ackWait), so that the debugger does not write to a closed
// connection.
func (r *Relay) answerKill(in *bufio.Reader) error {
	acks := !r.ackless()
	if acks {
		if err := r.toDebugger([]byte{'+'}); err != nil {
			return err
		}
	}
	if err := r.toDebugger(packet("X09")); err != nil {
		return err
	}
	if acks {
		if c, ok := r.Debugger.(interface{ SetReadDeadline(time.Time) error }); ok {
			c.SetReadDeadline(time.Now().Add(ackWait))
		}
		in.ReadByte()
	}
	return nil
}

// debuggerPacket looks at a packet from the debugger and says whether it
// goes on to the stub, or is a kill.
func (r *Relay) debuggerPacket(p string) (forward, kill bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case p == "k":
		r.detaching = true
		return false, true
	case p == "?" && r.running:
		return false, false
	case p == "QStartNoAckMode":
		r.askedNoAck = true
	case isResume(p):
		r.running = true
		r.logf("resume: %s", p)
	}
	return true, false
}

func (r *Relay) ackless() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.noAck
}

// fromStub forwards the stub's frames to the debugger, until the stub's
// connection ends or, after a detach, the stub answered it.
func (r *Relay) fromStub() error {
	in := bufio.NewReader(r.Stub)
	for {
		frame, err := readFrame(in)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("relay: from the stub: %w", err)
		}
		if frame[0] == '$' && r.stubPacket(payload(frame)) {
			close(r.detached)
			return nil
		}
		if r.isDetaching() {
			// An acknowledgement of the detach: not the debugger's.
			continue
		}
		if err := r.toDebugger(frame); err != nil {
			return err
		}
	}
}

// stubPacket looks at a packet from the stub and reports whether it
// answers the detach.
func (r *Relay) stubPacket(p string) (detachAnswered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.detaching {
		if p != "OK" {
			r.logf("the stub answered the detach with %q", p)
		}
		return true
	}
	if r.askedNoAck {
		r.askedNoAck = false
		r.noAck = p == "OK"
	}
	if r.running && p != "" && strings.ContainsRune("TSWX", rune(p[0])) {
		r.running = false
		r.logf("stop: %s", p)
	}
	return false
}

func (r *Relay) toDebugger(b []byte) error {
	r.debuggerOut.Lock()
	defer r.debuggerOut.Unlock()
	if _, err := r.Debugger.Write(b); err != nil {
		return fmt.Errorf("relay: to the debugger: %w", err)
	}
	return nil
}

// isResume reports whether a packet lets the target run: continue or step,
// with or without a signal, or a vCont action (not the vCont? query).
func isResume(p string) bool {
	if p == "" {
		return false
	}
	switch p[0] {
	case 'c', 'C', 's', 'S':
		return true
	}
	return strings.HasPrefix(p, "vCont;")
}

// readFrame reads one unit of the protocol: a '$' packet up to and with
// its two checksum digits, or any other single byte ('+', '-', the 0x03
// interrupt). Packet data never holds a bare '#': the protocol escapes it.
func readFrame(in *bufio.Reader) ([]byte, error) {
	b, err := in.ReadByte()
	if err != nil {
		return nil, err
	}
	if b != '$' {
		return []byte{b}, nil
	}
	body, err := in.ReadBytes('#')
	if err != nil {
		return nil, fmt.Errorf("packet cut short: %w", err)
	}
	var sum [2]byte
	if _, err := io.ReadFull(in, sum[:]); err != nil {
		return nil, fmt.Errorf("packet checksum cut short: %w", err)
	}
	frame := make([]byte, 0, 1+len(body)+2)
	frame = append(frame, '$')
	frame = append(frame, body...)
	return append(frame, sum[:]...), nil
}

// payload returns the data of a '$' frame, between '$' and '#'.
func payload(frame []byte) string { return string(frame[1 : len(frame)-3]) }

// packet frames data as a packet with its checksum.
func packet(data string) []byte {
	var sum byte
	for i := 0; i < len(data); i++ {
		sum += data[i]
	}
	return fmt.Appendf(nil, "$%s#%02x", data, sum)
}
