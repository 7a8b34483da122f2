//go:build clk

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"clk/kernel/klog"
	"clk/modstore"
)

// The anti-rollback floor across reboots: the highest version of each
// module name installed (modstore.Floor), kept in
// /disk/modules.versions and, as one modstore.FloorEvent record each time
// it rises, in the audit log's hash chain (audit.go). The disk's file
// system service starts after the module manager: until the disk is
// mounted the versions are kept in memory (and their records wait with
// the audit log's). The first check or record after that reads the file
// and checks it against the floor the chain held when the log was
// opened (modstore.Reconcile): where the two disagree, the kernel log and
// the audit log say so, a "floor-mismatch" record, and the higher
// version holds; a version the file holds above the chain's is recorded
// in the chain. Then the file is written back with what this boot
// installed, and each higher version recorded after that rewrites it,
// through a new file renamed over the old, so that a crash leaves one or
// the other.

const (
	versionsFile    = "/disk/modules.versions"
	versionsFileNew = versionsFile + ".new"
	// floorMismatchEvent is the audit record of a version on which the
	// file and the chain disagree; its detail is the FloorDiff.
	floorMismatchEvent = "floor-mismatch"
)

// diskVersions is the trust store's modstore.Versions.
// Lock order: diskVersions.mu < kernelAudit.mu.
type diskVersions struct {
	klog  *klog.Log
	audit *kernelAudit

	mu       sync.Mutex
	highest  modstore.Floor
	attached bool // the file has been read (or found missing)
}

func newDiskVersions(l *klog.Log, a *kernelAudit) *diskVersions {
	return &diskVersions{klog: l, audit: a, highest: modstore.Floor{}}
}

// Highest implements modstore.Versions.
func (d *diskVersions) Highest(name string) (modstore.Version, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attach()
	v, ok := d.highest[name]
	return v, ok
}

// Record implements modstore.Versions.
func (d *diskVersions) Record(name string, v modstore.Version) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attach()
	if old, ok := d.highest[name]; ok && v.Compare(old) < 0 {
		return fmt.Errorf("module %s: version %v, %v installed before: %w", name, v, old, modstore.ErrRollback)
	}
	if !d.highest.Raise(name, v) {
		return nil
	}
	d.audit.Record(modstore.FloorEvent, name, v.String())
	if d.attached {
		if err := d.write(); err != nil {
			// The floor holds in memory and in the chain.
			d.klog.Printf("modules: %v", err)
		}
	}
	return nil
}

// attach reads the file once the disk is mounted, checks it against the
// audit log's chain and writes back what was recorded before.
// Preconditions: d.mu is held.
func (d *diskVersions) attach() {
	if d.attached {
		return
	}
	if _, err := os.Stat("/disk"); err != nil {
		return
	}
	d.attached = true
	b, err := os.ReadFile(versionsFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.klog.Printf("modules: %v", err)
	}
	file, errs := modstore.ParseFloor(string(b))
	for _, err := range errs {
		// Such a line raises no floor; the others still do.
		d.klog.Printf("modules: %s: %v", versionsFile, err)
	}
	chain, err := d.audit.chainFloor()
	if err != nil {
		d.klog.Printf("modules: %s is not checked against the audit log: %v", versionsFile, err)
		d.highest.Merge(file)
	} else {
		kept, diffs := modstore.Reconcile(file, chain)
		for _, df := range diffs {
			d.klog.Printf("modules: %s disagrees with the audit log: %v", versionsFile, df)
			d.audit.Record(floorMismatchEvent, df.Name, df.String())
			if !df.HasChain || df.Kept().Compare(df.Chain) > 0 {
				d.audit.Record(modstore.FloorEvent, df.Name, df.Kept().String())
			}
		}
		d.highest.Merge(kept)
	}
	d.klog.Printf("modules: %s: the highest versions installed: %v", versionsFile, d.highest)
	if err := d.write(); err != nil {
		d.klog.Printf("modules: %v", err)
	}
}

// write replaces the file by the versions in memory.
// Preconditions: d.mu is held.
func (d *diskVersions) write() error {
	b, err := d.highest.MarshalText()
	if err != nil {
		return err
	}
	if err := os.WriteFile(versionsFileNew, b, 0o644); err != nil {
		return err
	}
	return os.Rename(versionsFileNew, versionsFile)
}
