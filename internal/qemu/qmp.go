package qemu

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// QMP is a connection to QEMU's machine protocol (QMP), for what the serial
// console cannot do: type on the emulated keyboard, read guest memory and
// registers, learn that the guest stopped. Start QEMU with Command.QMP set
// (or Options.Args "-qmp", "unix:PATH,server=on,wait=off"). Its methods
// may be called from several goroutines; commands run one at a time.
type QMP struct {
	conn    net.Conn
	mu      sync.Mutex    // one command at a time
	replies chan reply    // answers to commands, from the reader
	events  chan Event    // events, from the reader
	closed  chan struct{} // closed when the reader stops
	err     error         // why the reader stopped, set before closed
}

// Event is an asynchronous QMP message, such as SHUTDOWN when the guest
// powers off or, with -no-reboot, resets.
type Event struct {
	Name string         `json:"event"`
	Data map[string]any `json:"data"`
}

// reply is the answer to one command: its return value or its error.
type reply struct {
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
}

// eventBacklog is how many events wait for a reader of Events before more
// are dropped; QEMU sends few.
const eventBacklog = 64

// DialQMP connects to the QMP socket at path, retrying until QEMU has
// created it or timeout passes, and leaves the capabilities negotiation.
func DialQMP(path string, timeout time.Duration) (*QMP, error) {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.Dial("unix", path)
		if err == nil {
			return handshake(conn, path)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("qmp %s: %w", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// handshake reads QEMU's greeting, starts the reader and negotiates
// capabilities, after which commands are accepted.
func handshake(conn net.Conn, path string) (*QMP, error) {
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := r.ReadBytes('\n'); err != nil {
		conn.Close()
		return nil, fmt.Errorf("qmp %s: greeting: %w", path, err)
	}
	conn.SetReadDeadline(time.Time{})
	q := &QMP{
		conn:    conn,
		replies: make(chan reply),
		events:  make(chan Event, eventBacklog),
		closed:  make(chan struct{}),
	}
	go q.read(r)
	if err := q.Execute("qmp_capabilities", nil); err != nil {
		conn.Close()
		return nil, err
	}
	return q, nil
}

// read hands each message QEMU sends to the command waiting for it or, for
// an event, to Events, until the connection ends.
func (q *QMP) read(r *bufio.Reader) {
	defer close(q.closed)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			q.err = err
			return
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			q.err = fmt.Errorf("message %q: %w", line, err)
			return
		}
		if ev.Name != "" {
			select {
			case q.events <- ev:
			default:
			}
			continue
		}
		var rep reply
		if err := json.Unmarshal(line, &rep); err != nil {
			q.err = fmt.Errorf("answer %q: %w", line, err)
			return
		}
		q.replies <- rep
	}
}

// Events delivers QEMU's events in order; when nobody reads them, those
// after the first eventBacklog are dropped.
func (q *QMP) Events() <-chan Event { return q.events }

// Closed is closed when the connection has ended, as when QEMU exits.
func (q *QMP) Closed() <-chan struct{} { return q.closed }

// Close ends the connection.
func (q *QMP) Close() error { return q.conn.Close() }

// Execute runs a QMP command and waits for its answer.
func (q *QMP) Execute(cmd string, args any) error {
	_, err := q.Run(cmd, args)
	return err
}

// Run runs a QMP command and returns the value it returned, as JSON.
func (q *QMP) Run(cmd string, args any) (json.RawMessage, error) {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("qmp %s: %w", cmd, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("qmp %s: %w", cmd, err)
	}
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case rep := <-q.replies:
		if rep.Error != nil {
			return nil, fmt.Errorf("qmp %s: %s: %s", cmd, rep.Error.Class, rep.Error.Desc)
		}
		return rep.Return, nil
	case <-q.closed:
		return nil, fmt.Errorf("qmp %s: connection ended: %v", cmd, q.err)
	case <-timeout.C:
		// A late answer would be taken for the next command's.
		q.conn.Close()
		return nil, fmt.Errorf("qmp %s: no answer within 30s; connection closed", cmd)
	}
}

// Monitor runs a command of QEMU's human monitor, such as "info registers",
// and returns what it printed.
func (q *QMP) Monitor(line string) (string, error) {
	return q.monitor(map[string]any{"command-line": line})
}

// MonitorOn is Monitor with vCPU cpu as the monitor's current CPU, whose
// registers "info registers" shows and whose page tables "x" reads through.
func (q *QMP) MonitorOn(cpu int, line string) (string, error) {
	return q.monitor(map[string]any{"command-line": line, "cpu-index": cpu})
}

func (q *QMP) monitor(args map[string]any) (string, error) {
	line := args["command-line"]
	raw, err := q.Run("human-monitor-command", args)
	if err != nil {
		return "", err
	}
	var out string
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("qmp human-monitor-command %q: %w", line, err)
	}
	return strings.ReplaceAll(out, "\r\n", "\n"), nil
}

// qcodes names the keys for the characters TypeText can type, with whether
// Shift is needed (QEMU's QKeyCode).
var qcodes = func() map[rune][2]string {
	m := map[rune][2]string{
		' ': {"spc"}, '\n': {"ret"}, '-': {"minus"}, '.': {"dot"}, '/': {"slash"},
		'|': {"backslash", "shift"}, '&': {"7", "shift"}, '\t': {"tab"},
	}
	for c := 'a'; c <= 'z'; c++ {
		m[c] = [2]string{string(c)}
	}
	for c := '0'; c <= '9'; c++ {
		m[c] = [2]string{string(c)}
	}
	return m
}()

// TypeText types s on the guest's keyboard, a key at a time.
func (q *QMP) TypeText(s string) error {
	for _, c := range s {
		k, ok := qcodes[c]
		if !ok {
			return fmt.Errorf("qmp: no key for %q", c)
		}
		keys := []map[string]string{{"type": "qcode", "data": k[0]}}
		if k[1] != "" {
			keys = append([]map[string]string{{"type": "qcode", "data": k[1]}}, keys...)
		}
		if err := q.Execute("send-key", map[string]any{"keys": keys}); err != nil {
			return err
		}
	}
	return nil
}

// ReadPhys saves size bytes of guest physical memory at addr to file.
func (q *QMP) ReadPhys(addr uint64, size int, file string) error {
	return q.Execute("pmemsave", map[string]any{"val": addr, "size": size, "filename": file})
}
