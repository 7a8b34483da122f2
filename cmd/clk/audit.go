//go:build clk

package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"clk/kernel/audit"
	"clk/kernel/klog"
	"clk/modstore"
)

// The audit log of the module manager (kernel/audit), kept in the file
// /disk/audit.log. The disk's file system service starts after the
// kernel, so the records of the first events (the modules started at
// boot, which wait for the mount, but a disk that never comes does not
// hold them back for ever) wait in memory, unchained, until the disk is
// mounted: storage opens the file once it has mounted the disk (so does
// a read, mod log, after the mount), resuming its chain if it has one,
// and appends them with their times. A record never waits for the disk:
// the file system service is a module too, and the manager records its
// events while it cannot answer. A file that does not verify is
// left alone and the log goes on in memory only; so does a boot without
// a disk, whose records stay unchained.
//
// When it opens the file the log also reads the version floor its chain
// holds (the modstore.FloorEvent records), for versions.go to check
// /disk/modules.versions against.
//
// Each boot makes an ed25519 key of its own, kept in memory only: once
// the file is opened, the log names the key's public half in an
// audit.KeyEvent record (audit.Log.Rekey) and the kernel log prints it,
// and the log signs a checkpoint with it then, every
// audit.DefaultCheckpointEvery records, and at shutdown or reboot
// (system.sealAudit). Whoever copies the public key from the console
// to somewhere off the machine can later check that the records up to
// that boot's last checkpoint are as that boot's kernel wrote them
// (clkmod audit verify -key HEX); a key read from the file itself
// proves nothing more than the chain does.

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
	// floor is the version floor of the file's chain when it was
	// opened; floorErr says why there is none (the file did not
	// verify).
	floor    modstore.Floor
	floorErr error
	// key is this boot's checkpoint key, nil when none could be
	// made; signing says the file's log was rekeyed with it.
	key     ed25519.PrivateKey
	signing bool
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

// errNoDisk is chainFloor's error before the disk is mounted.
var errNoDisk = errors.New("the disk is not mounted")

func newKernelAudit(l *klog.Log) *kernelAudit {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		l.Printf("audit: no checkpoint key this boot: %v", err)
	}
	return &kernelAudit{klog: l, key: key}
}

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
	if err != nil {
		a.floorErr = err
	}
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
	// A new file's header may still be on its way to the disk; it has
	// no records, and so no floor.
	floor, floorErr := modstore.Floor{}, error(nil)
	if h.Seq > 0 {
		floor, floorErr = readChainFloor(h)
	}
	signing := false
	if a.key != nil {
		if _, err := l.Rekey(a.key); err != nil {
			a.klog.Printf("audit: %s: no checkpoint key this boot: %v", auditFile, err)
		} else {
			signing = true
			a.klog.Printf("audit: checkpoint key of this boot: %x", []byte(a.key.Public().(ed25519.PublicKey)))
		}
	}
	a.mu.Lock()
	a.floor, a.floorErr, a.signing = floor, floorErr, signing
	a.mu.Unlock()
	return l, sink, nil
}

// seal signs a checkpoint of the head with this boot's key, so that the
// records since the last checkpoint are covered too.
func (a *kernelAudit) seal() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.signing {
		return
	}
	if _, err := a.log.Checkpoint(); err != nil {
		a.klog.Printf("audit: %s: checkpoint: %v", auditFile, err)
	}
}

// sealAudit signs the audit log's last checkpoint of this boot, before
// the machine stops.
func (s *system) sealAudit() {
	if s.modules != nil {
		s.modules.audit.seal()
	}
}

// readChainFloor reads the floor of the chain in the file, up to head,
// the head of the log Resume made of it.
func readChainFloor(head audit.Head) (modstore.Floor, error) {
	r, err := os.Open(auditFile)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	floor := modstore.Floor{}
	var bad error
	_, err = audit.Verify(r, audit.Options{Known: head}, func(rec audit.Record) {
		if rec.Event != modstore.FloorEvent || rec.Seq > head.Seq {
			return
		}
		v, err := modstore.ParseVersion(rec.Detail)
		if err != nil {
			bad = fmt.Errorf("record %d: floor %q: %w", rec.Seq, rec.Detail, err)
			return
		}
		floor.Raise(rec.Subject, v)
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, fmt.Errorf("%s: the version floor: %w", auditFile, err)
	}
	return floor, nil
}

// chainFloor returns the version floor the audit log's chain held when
// the file was opened, or why it cannot say.
func (a *kernelAudit) chainFloor() (modstore.Floor, error) {
	a.attach()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.log == nil {
		return nil, errNoDisk
	}
	if a.floorErr != nil {
		return nil, a.floorErr
	}
	return a.floor, nil
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
