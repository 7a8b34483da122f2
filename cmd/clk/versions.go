//go:build clk

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"clk/kernel/klog"
	"clk/modstore"
)

// The anti-rollback floor across reboots: the highest version of each
// module name installed, kept in /disk/modules.versions, a line "NAME
// VERSION" each. The disk's file system service starts after the module
// manager, as for the audit log (audit.go): until the disk is mounted the
// versions are kept in memory; the first check or record after that reads
// the file, keeps the higher version of each name, and writes the file
// back. Each higher version recorded after that rewrites the file, through
// a new file renamed over the old, so that a crash leaves one or the other.

const (
	versionsFile    = "/disk/modules.versions"
	versionsFileNew = versionsFile + ".new"
)

// diskVersions is the trust store's modstore.Versions.
type diskVersions struct {
	klog *klog.Log

	mu       sync.Mutex
	highest  map[string]modstore.Version
	attached bool // the file has been read (or found missing)
}

func newDiskVersions(l *klog.Log) *diskVersions {
	return &diskVersions{klog: l, highest: make(map[string]modstore.Version)}
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
	old, ok := d.highest[name]
	if ok && v.Compare(old) < 0 {
		return fmt.Errorf("module %s: version %v, %v installed before: %w", name, v, old, modstore.ErrRollback)
	}
	if ok && v.Compare(old) == 0 {
		return nil
	}
	d.highest[name] = v
	if d.attached {
		if err := d.write(); err != nil {
			// The floor holds in memory until the next reboot.
			d.klog.Printf("modules: %v", err)
		}
	}
	return nil
}

// attach reads the file once the disk is mounted and writes back what
// was recorded before.
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
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var v modstore.Version
		if len(f) == 2 {
			v, err = modstore.ParseVersion(f[1])
		}
		if len(f) != 2 || err != nil {
			// A line that does not parse raises no floor; the
			// others still do.
			d.klog.Printf("modules: %s:%d: %q: want NAME VERSION", versionsFile, i+1, line)
			continue
		}
		if old, ok := d.highest[f[0]]; !ok || v.Compare(old) > 0 {
			d.highest[f[0]] = v
		}
	}
	d.klog.Printf("modules: %s: the highest versions installed: %s", versionsFile, d.list())
	if err := d.write(); err != nil {
		d.klog.Printf("modules: %v", err)
	}
}

// write replaces the file by the versions in memory.
// Preconditions: d.mu is held.
func (d *diskVersions) write() error {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(d.highest)) {
		fmt.Fprintf(&b, "%s %v\n", name, d.highest[name])
	}
	if err := os.WriteFile(versionsFileNew, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(versionsFileNew, versionsFile)
}

// list lists the versions as "NAME VERSION, ...".
// Preconditions: d.mu is held.
func (d *diskVersions) list() string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(d.highest)) {
		out = append(out, fmt.Sprintf("%s %v", name, d.highest[name]))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
