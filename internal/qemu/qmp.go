package systest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// QMP is a connection to QEMU's machine protocol (QMP), for what the serial
// console cannot do: type on the emulated keyboard, read guest memory.
// Start QEMU with Options.Args "-qmp", "unix:PATH,server=on,wait=off".
type QMP struct {
	conn net.Conn
	r    *bufio.Reader
}

// DialQMP connects to the QMP socket at path, retrying until QEMU has
// created it or timeout passes, and leaves the capabilities negotiation.
func DialQMP(path string, timeout time.Duration) (*QMP, error) {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.Dial("unix", path)
		if err == nil {
			q := &QMP{conn: conn, r: bufio.NewReader(conn)}
			if _, err := q.read(); err != nil { // the greeting
				conn.Close()
				return nil, fmt.Errorf("qmp %s: greeting: %w", path, err)
			}
			if err := q.Execute("qmp_capabilities", nil); err != nil {
				conn.Close()
				return nil, err
			}
			return q, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("qmp %s: %w", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Close ends the connection.
func (q *QMP) Close() error { return q.conn.Close() }

// Execute runs a QMP command and waits for its answer, skipping events.
func (q *QMP) Execute(cmd string, args any) error {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("qmp %s: %w", cmd, err)
	}
	q.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("qmp %s: %w", cmd, err)
	}
	for {
		m, err := q.read()
		if err != nil {
			return fmt.Errorf("qmp %s: %w", cmd, err)
		}
		if e, ok := m["error"]; ok {
			return fmt.Errorf("qmp %s: %v", cmd, e)
		}
		if _, ok := m["return"]; ok {
			return nil
		}
	}
}

func (q *QMP) read() (map[string]any, error) {
	line, err := q.r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, fmt.Errorf("answer %q: %w", line, err)
	}
	return m, nil
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
