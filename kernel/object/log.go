package object

import (
	"fmt"
	"io"
	"sync"

	"clk/abi"
)

// Log is a kernel log a process may write records to. Each record is
// written whole, prefixed with the log's name, on its own line.
type Log struct {
	name string
	mu   sync.Mutex
	w    io.Writer
}

// NewLog returns a log named name writing to w.
func NewLog(name string, w io.Writer) *Log { return &Log{name: name, w: w} }

// Type returns abi.TypeLog.
func (l *Log) Type() abi.ObjectType { return abi.TypeLog }

// Write writes one record of at most abi.MaxLogRecord bytes.
func (l *Log) Write(rec []byte) (int, error) {
	if len(rec) > abi.MaxLogRecord {
		return 0, fmt.Errorf("log %s: record of %d bytes, limit %d", l.name, len(rec), abi.MaxLogRecord)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := fmt.Fprintf(l.w, "[%s] %s\n", l.name, rec); err != nil {
		return 0, fmt.Errorf("log %s: %w", l.name, err)
	}
	return len(rec), nil
}
