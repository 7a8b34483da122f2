//go:build clk

package main

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"time"

	"clk/kernel/audit"
	"clk/kernel/klog"
)

// The audit log of the module manager (kernel/audit), kept in the file
// /disk/audit.log. The disk's file system service starts after the
// kernel, so the records of the first events (the modules started at
// boot) wait in memory, unchained, until the disk is mounted: storage
// opens the file once it has mounted the disk (so does a read, mod log,
// after the mount), resuming its chain if it has one, and appends them
// with their times. A record never waits for the disk: the file system
// service is a module too, and the manager records its events while it
// cannot answer. A file that does not verify is
// left alone and the log goes on in memory only; so does a boot without
// a disk, whose records stay unchained.

const auditFile = "/disk/audit.log"

// pendingMax bounds the records that wait for the disk.
const pendingMax = 256

// kernelAudit is the module manager's Auditor.
type kernelAudit struct {
	klog *klog.Log

	// opening serializes attach, which reads the file without mu held.
	// Lock order: opening < mu.
	opening sync.Mutex
	mu      sync.Mutex
	log     *audit.Log // nil until the disk is mounted
	pending []audit.Entry
	lost    int // records dropped from pending
	// sink writes the file, nil until it is open.
	sink *diskSink
}

// flush waits at most timeout for the records made so far to reach the
// file, and reports whether they did.
func (a *kernelAudit) flush(timeout time.Duration) bool {
	a.mu.Lock()
	sink := a.sink
	a.mu.Unlock()
	return sink == nil || sink.flush(timeout)
}

// diskSink writes the audit log's file from a goroutine of its own, in
// the order of the records: a record the module manager makes while the
// file system service cannot answer (quiesced for its replacement, or
// hung and about to be killed) must not wait for the service, or the
// manager would wait on itself. A write that fails is said in the kernel
// log; the records stay in memory.
type diskSink struct {
	f    *os.File
	klog *klog.Log

	mu sync.Mutex
	// queue holds the writes not yet made; a nil one is a Sync.
	queue   [][]byte
	writing bool
	wake    chan struct{} // buffered, 1
}

func newDiskSink(f *os.File, l *klog.Log) *diskSink {
	s := &diskSink{f: f, klog: l, wake: make(chan struct{}, 1)}
	go s.run()
	return s
}

// Write queues a copy of b and returns at once.
func (s *diskSink) Write(b []byte) (int, error) {
	s.push(bytes.Clone(b))
	return len(b), nil
}

// Sync queues a sync of the file after the writes before it.
func (s *diskSink) Sync() error {
	s.push(nil)
	return nil
}

func (s *diskSink) push(b []byte) {
	s.mu.Lock()
	s.queue = append(s.queue, b)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *diskSink) run() {
	for range s.wake {
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				s.writing = false
				s.mu.Unlock()
				break
			}
			b := s.queue[0]
			s.queue, s.writing = s.queue[1:], true
			s.mu.Unlock()
			var err error
			if b == nil {
				err = s.f.Sync()
			} else {
				_, err = s.f.Write(b)
			}
			if err != nil {
				s.klog.Printf("audit: %s: %v", auditFile, err)
			}
		}
	}
}

// close ends the writer and closes the file, once nothing is queued.
func (s *diskSink) close() {
	close(s.wake)
	s.f.Close()
}

// flush waits at most timeout for the queue to be written out.
func (s *diskSink) flush(timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		done := len(s.queue) == 0 && !s.writing
		s.mu.Unlock()
		if done {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func newKernelAudit(l *klog.Log) *kernelAudit { return &kernelAudit{klog: l} }

// Record implements module.Auditor. It never waits for the disk.
func (a *kernelAudit) Record(event, subject, detail string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.log != nil {
		a.log.Record(event, subject, detail)
		return
	}
	if len(a.pending) == pendingMax {
		a.pending = a.pending[1:]
		a.lost++
	}
	a.pending = append(a.pending, audit.Entry{Event: event, Subject: subject, Detail: detail, Time: time.Now()})
}

// attach opens the log file once the disk is mounted and appends the
// records that waited for it. The file is read without a.mu held, so
// that Record goes on meanwhile.
func (a *kernelAudit) attach() {
	a.opening.Lock()
	defer a.opening.Unlock()
	a.mu.Lock()
	open := a.log != nil
	a.mu.Unlock()
	if open {
		return
	}
	if _, err := os.Stat("/disk"); err != nil {
		return
	}
	l, sink, err := a.open()
	if err != nil {
		a.klog.Printf("audit: %v: the log is kept in memory only", err)
		l, _ = audit.New(nil, audit.Config{})
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.log, a.sink = l, sink
	for _, e := range a.pending {
		if _, err := l.Append(e); err != nil {
			// Beyond the encoding's limits: Record cleans and cuts.
			l.Record(e.Event, e.Subject, e.Detail)
		}
	}
	if a.lost > 0 {
		l.Record("lost", "audit", fmt.Sprintf("%d records before the disk was mounted", a.lost))
	}
	a.pending, a.lost = nil, 0
}

// open resumes the file's log, or starts one in a new file.
func (a *kernelAudit) open() (*audit.Log, *diskSink, error) {
	f, err := os.OpenFile(auditFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	r, err := os.Open(auditFile)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	defer r.Close()
	// Resume checks the file through r before it writes anything to
	// the sink, so a file it refuses is closed with nothing queued.
	sink := newDiskSink(f, a.klog)
	l, err := audit.Resume(r, sink, audit.Config{})
	if err != nil {
		sink.close()
		return nil, nil, fmt.Errorf("%s: %w", auditFile, err)
	}
	h := l.Head()
	a.klog.Printf("audit: %s, log %v, %d records before this boot", auditFile, l.ID(), h.Seq)
	return l, sink, nil
}

// lines returns the records in memory, a line each.
func (a *kernelAudit) lines() []string {
	a.attach()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	if a.log == nil {
		for _, e := range a.pending {
			out = append(out, fmt.Sprintf("- %s %s %s %s", e.Time.UTC().Format(time.TimeOnly), e.Event, e.Subject, e.Detail))
		}
		return out
	}
	recs, _ := a.log.Since(0)
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%d %s %s %s %s", r.Seq, r.Time.UTC().Format(time.TimeOnly), r.Event, r.Subject, r.Detail))
	}
	return out
}
