package modstore

import (
	"fmt"
	"sync"
)

// Versions remembers the highest version of each module name installed,
// against rollback. The kernel keeps it across reboots once it has a disk;
// MemVersions forgets it at each boot.
type Versions interface {
	// Highest returns the highest version recorded for name, and false
	// when none is.
	Highest(name string) (Version, bool)
	// Record raises name's highest version to v. It fails with
	// ErrRollback when v is lower than the version recorded, so two
	// installs racing cannot lower it.
	Record(name string, v Version) error
}

// MemVersions is a Versions in memory. Its zero value is empty and ready.
type MemVersions struct {
	mu      sync.Mutex
	highest map[string]Version
}

// Highest implements Versions.
func (m *MemVersions) Highest(name string) (Version, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.highest[name]
	return v, ok
}

// Record implements Versions.
func (m *MemVersions) Record(name string, v Version) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.highest[name]; ok && v.Compare(old) < 0 {
		return fmt.Errorf("module %s: version %v, %v installed before: %w", name, v, old, ErrRollback)
	}
	if m.highest == nil {
		m.highest = make(map[string]Version)
	}
	m.highest[name] = v
	return nil
}
