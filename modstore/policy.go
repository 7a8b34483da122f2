package modstore

import (
	"fmt"
	"slices"
)

// Policy says which capabilities modules may ask for. It is plain data,
// with a JSON form, for the kernel to load from its configuration. A
// module's manifest is within policy when each thing it asks for is
// covered by a grant that applies to the module.
type Policy struct {
	Grants []Grant `json:"grants"`
}

// Grant gives the modules it applies to some capabilities. It applies to
// a module when the module's name matches one of Modules (or Modules is
// empty) and its signer is one of Keys (or Keys is empty; a module loaded
// unsigned in permissive mode has no signer, so a grant with Keys never
// applies to it).
type Grant struct {
	// Modules are name patterns, as a delegation's (MatchName).
	Modules []string `json:"modules,omitempty"`
	// Keys are the signers' key ids.
	Keys []KeyID `json:"keys,omitempty"`
	// Devices may be asked for; a class with any subclass covers each
	// subclass (Device.Covers).
	Devices []Device `json:"devices,omitempty"`
	// Provides and Uses are the service name patterns a module may serve
	// and use.
	Provides []string `json:"provides,omitempty"`
	Uses     []string `json:"uses,omitempty"`
	// Memory and Threads are the highest limits a module may declare;
	// over all grants that apply, the largest counts.
	Memory  uint64 `json:"memory,omitempty"`
	Threads uint32 `json:"threads,omitempty"`
}

// applies reports whether g applies to a module called name signed by
// signer (nil when unsigned).
func (g *Grant) applies(name string, signer *PublicKey) bool {
	if len(g.Modules) > 0 && !slices.ContainsFunc(g.Modules, func(p string) bool { return MatchName(p, name) }) {
		return false
	}
	return len(g.Keys) == 0 || signer != nil && slices.Contains(g.Keys, signer.ID())
}

// Check returns nil when every capability m asks for is granted to it as
// signed by signer (nil for no signer), and otherwise an error wrapping
// ErrNotGranted that names the first capability refused.
func (p *Policy) Check(m *Manifest, signer *PublicKey) error {
	var grants []*Grant
	for i := range p.Grants {
		if p.Grants[i].applies(m.Name, signer) {
			grants = append(grants, &p.Grants[i])
		}
	}
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("module %s: %w: %s", m.Name, ErrNotGranted, fmt.Sprintf(format, args...))
	}
	var memory uint64
	var threads uint32
	for _, g := range grants {
		memory, threads = max(memory, g.Memory), max(threads, g.Threads)
	}
	if m.Memory > memory {
		return refuse("memory limit %d bytes (granted %d)", m.Memory, memory)
	}
	if m.Threads > threads {
		return refuse("thread limit %d (granted %d)", m.Threads, threads)
	}
	for _, d := range m.Devices {
		if !slices.ContainsFunc(grants, func(g *Grant) bool {
			return slices.ContainsFunc(g.Devices, func(e Device) bool { return e.Covers(d) })
		}) {
			return refuse("device %v", d)
		}
	}
	for _, list := range []struct {
		what  string
		names []string
		field func(*Grant) []string
	}{
		{"provides service", m.Provides, func(g *Grant) []string { return g.Provides }},
		{"uses service", m.Uses, func(g *Grant) []string { return g.Uses }},
	} {
		for _, s := range list.names {
			if !slices.ContainsFunc(grants, func(g *Grant) bool {
				return slices.ContainsFunc(list.field(g), func(p string) bool { return MatchName(p, s) })
			}) {
				return refuse("%s %s", list.what, s)
			}
		}
	}
	return nil
}
