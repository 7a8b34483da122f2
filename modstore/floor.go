package modstore

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// FloorEvent is the audit log's event of a raised version floor: its
// subject is the module's name, its detail the version. The kernel
// records one each time the highest version of a name installed rises,
// so that the floor kept in a file can be checked against the log's
// hash chain (Reconcile).
const FloorEvent = "floor"

// Floor is the anti-rollback floor: the highest version of each module
// name installed. Its text form, the kernel's /disk/modules.versions, is
// a line "NAME VERSION" for each name, sorted by name.
type Floor map[string]Version

// Raise raises name's floor to v and says whether it rose.
func (f Floor) Raise(name string, v Version) bool {
	if old, ok := f[name]; ok && v.Compare(old) <= 0 {
		return false
	}
	f[name] = v
	return true
}

// Merge raises f to each version of g.
func (f Floor) Merge(g Floor) {
	for name, v := range g {
		f.Raise(name, v)
	}
}

// MarshalText writes the text form.
func (f Floor) MarshalText() ([]byte, error) {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(f)) {
		fmt.Fprintf(&b, "%s %v\n", name, f[name])
	}
	return []byte(b.String()), nil
}

// String lists the floor as "NAME VERSION, ...", or "none".
func (f Floor) String() string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(f)) {
		out = append(out, fmt.Sprintf("%s %v", name, f[name]))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// ParseFloor reads the text form. A line that does not parse raises no
// floor and is returned as an error naming its number; the other lines
// still count, and a name given twice keeps its higher version.
func ParseFloor(text string) (Floor, []error) {
	f := Floor{}
	var errs []error
	for i, line := range strings.Split(text, "\n") {
		w := strings.Fields(line)
		if len(w) == 0 {
			continue
		}
		var v Version
		var err error
		if len(w) == 2 {
			v, err = ParseVersion(w[1])
		}
		if len(w) != 2 || err != nil || checkName(w[0]) != nil {
			errs = append(errs, fmt.Errorf("line %d: %q: want NAME VERSION", i+1, line))
			continue
		}
		f.Raise(w[0], v)
	}
	return f, errs
}

// FloorDiff is a name whose floor two records of it disagree on. A
// version that is absent is the zero Version with its Has false.
type FloorDiff struct {
	Name              string
	File, Chain       Version
	HasFile, HasChain bool
}

// Kept is the higher of the two: the floor that holds.
func (d FloorDiff) Kept() Version {
	if !d.HasFile || d.HasChain && d.Chain.Compare(d.File) > 0 {
		return d.Chain
	}
	return d.File
}

func (d FloorDiff) String() string {
	side := func(v Version, ok bool) string {
		if !ok {
			return "none"
		}
		return v.String()
	}
	return fmt.Sprintf("%s: the file says %s, the audit log %s; %v kept", d.Name, side(d.File, d.HasFile), side(d.Chain, d.HasChain), d.Kept())
}

// Reconcile checks the floor a file holds against the floor the audit
// log's chain of FloorEvent records holds. It returns the floor that
// holds, the higher version of each name, and every name on which the
// two disagree, sorted by name: a file lowered (or a line removed) by
// whoever can write the disk shows as the chain's version above the
// file's, and the chain's is kept; a file above the chain (written
// before floors were recorded, or raised by hand) keeps the file's.
func Reconcile(file, chain Floor) (Floor, []FloorDiff) {
	out := Floor{}
	out.Merge(file)
	out.Merge(chain)
	var diffs []FloorDiff
	for _, name := range slices.Sorted(maps.Keys(out)) {
		fv, inFile := file[name]
		cv, inChain := chain[name]
		if inFile && inChain && fv.Compare(cv) == 0 {
			continue
		}
		diffs = append(diffs, FloorDiff{Name: name, File: fv, Chain: cv, HasFile: inFile, HasChain: inChain})
	}
	return out, diffs
}
