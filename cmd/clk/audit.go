//go:build clk

package main

import (
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
// boot) wait in memory, unchained, until the disk is mounted: the first
// record or read after that opens the file, resuming its chain if it has
// one, and appends them with their times. A file that does not verify is
// left alone and the log goes on in memory only; so does a boot without
// a disk, whose records stay unchained.

const auditFile = "/disk/audit.log"

// pendingMax bounds the records that wait for the disk.
const pendingMax = 256

// kernelAudit is the module manager's Auditor.
type kernelAudit struct {
	klog *klog.Log

	mu      sync.Mutex
	log     *audit.Log // nil until the disk is mounted
	pending []audit.Entry
	lost    int // records dropped from pending
}

func newKernelAudit(l *klog.Log) *kernelAudit { return &kernelAudit{klog: l} }

// Record implements module.Auditor.
func (a *kernelAudit) Record(event, subject, detail string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attach()
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

// attach opens the log file once the disk is mounted.
// Preconditions: a.mu is held.
func (a *kernelAudit) attach() {
	if a.log != nil {
		return
	}
	if _, err := os.Stat("/disk"); err != nil {
		return
	}
	l, err := a.open()
	if err != nil {
		a.klog.Printf("audit: %v: the log is kept in memory only", err)
		l, _ = audit.New(nil, audit.Config{})
	}
	a.log = l
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
func (a *kernelAudit) open() (*audit.Log, error) {
	f, err := os.OpenFile(auditFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	r, err := os.Open(auditFile)
	if err != nil {
		f.Close()
		return nil, err
	}
	defer r.Close()
	l, err := audit.Resume(r, f, audit.Config{})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", auditFile, err)
	}
	h := l.Head()
	a.klog.Printf("audit: %s, log %v, %d records before this boot", auditFile, l.ID(), h.Seq)
	return l, nil
}

// lines returns the records in memory, a line each.
func (a *kernelAudit) lines() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attach()
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
