package modstore_test

import (
	"clk/modstore"
	"clk/modstore/modtest"
	"errors"
	"slices"
	"testing"
)

func keys(names ...string) []*modstore.Signer {
	var s []*modstore.Signer
	for _, n := range names {
		s = append(s, modtest.Key(n))
	}
	return s
}

func TestAnAnchorNeedsItsOwnThreshold(t *testing.T) {
	roots := keys("a", "b", "c")
	_, err := modstore.NewStore(modtest.RootDoc(1, 2, roots, roots[0]), modstore.Config{})
	refused(t, err, modstore.ErrBelowThreshold)
	_, err = modstore.NewStore(modtest.RootDoc(1, 2, roots, roots[0], modtest.Key("outsider")), modstore.Config{})
	refused(t, err, modstore.ErrBelowThreshold)
	if _, err := modstore.NewStore(modtest.RootDoc(1, 2, roots, roots[0], roots[2]), modstore.Config{}); err != nil {
		t.Errorf("anchor signed by 2 of 3: %v", err)
	}
}

func TestAKeySignsADocumentOnce(t *testing.T) {
	roots := keys("a", "b", "c")
	b := modtest.RootDoc(1, 2, roots, roots[0])
	doc, err := modstore.ParseDoc(b)
	if err != nil {
		t.Fatal(err)
	}
	doc.Signatures = append(doc.Signatures, doc.Signatures[0])
	twice, err := doc.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	_, err = modstore.NewStore(twice, modstore.Config{})
	refused(t, err, modstore.ErrMalformed)
}

func TestRotationNeedsTheOldAndTheNewThreshold(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	next := keys("d", "e", "f")
	old := f.Roots
	for _, tc := range []struct {
		name    string
		signers []*modstore.Signer
		want    error
	}{
		{"old roots only", []*modstore.Signer{old[0], old[1], old[2]}, modstore.ErrBelowThreshold},
		{"new roots only", []*modstore.Signer{next[0], next[1], next[2]}, modstore.ErrBelowThreshold},
		{"one old root and the new roots", []*modstore.Signer{old[0], next[0], next[1]}, modstore.ErrBelowThreshold},
		{"the old roots and one new root", []*modstore.Signer{old[0], old[1], next[2]}, modstore.ErrBelowThreshold},
	} {
		err := f.Store.Apply(modtest.RootDoc(2, 2, next, tc.signers...))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if v := f.Store.Root().Version; v != 1 {
		t.Fatalf("refused rotations moved the root set to version %d", v)
	}
	if err := f.Store.Apply(modtest.RootDoc(2, 2, next, old[1], old[2], next[0], next[2])); err != nil {
		t.Fatalf("rotation signed by 2 old and 2 new roots: %v", err)
	}
	want := modstore.NewRootSet(2, 2, []modstore.PublicKey{next[0].Public(), next[1].Public(), next[2].Public()})
	if r := f.Store.Root(); r.Version != 2 || !slices.Equal(r.Keys, want.Keys) {
		t.Errorf("root set after rotation: version %d, keys %v", r.Version, r.Keys)
	}

	// The old roots delegate no more, the new ones do.
	err := f.Store.Apply(f.Delegation(modtest.Key("k2").Public(), nil, old[0], old[1]))
	refused(t, err, modstore.ErrBelowThreshold)
	if err := f.Store.Apply(f.Delegation(modtest.Key("k2").Public(), nil, next[0], next[1])); err != nil {
		t.Errorf("delegation by the new roots: %v", err)
	}
	// The delegation the old roots signed went with them.
	_, err = f.Store.Verify(goodModule(f))
	refused(t, err, modstore.ErrUnknownKey)
}

func TestADelegationOutlivesARotationItsSignersSurvive(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	a, b, c := f.Roots[0], f.Roots[1], f.Roots[2]
	d := modtest.Key("d")
	// The fixture's delegation is signed by a and b; c leaves, d comes.
	if err := f.Store.Apply(modtest.RootDoc(2, 2, []*modstore.Signer{a, b, d}, a, c, b, d)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Verify(goodModule(f)); err != nil {
		t.Errorf("module after a rotation keeping its delegation's signers: %v", err)
	}
	if n := len(f.Store.Delegations()); n != 1 {
		t.Errorf("%d delegations, want 1", n)
	}
}

func TestRootVersionsGoUpOneAtATime(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	all := f.Roots
	for _, v := range []uint32{1, 3} {
		err := f.Store.Apply(modtest.RootDoc(v, 2, all, all...))
		refused(t, err, modstore.ErrStaleRoot)
	}
	if err := f.Store.Apply(modtest.RootDoc(2, 3, all, all...)); err != nil {
		t.Fatalf("version 2: %v", err)
	}
	err := f.Store.Apply(modtest.RootDoc(2, 3, all, all...))
	refused(t, err, modstore.ErrStaleRoot)
	// Threshold 3 now: two roots no longer delegate.
	err = f.Store.Apply(f.Delegation(modtest.Key("k2").Public(), nil, all[0], all[1]))
	refused(t, err, modstore.ErrBelowThreshold)
}

func TestARevokedKeyStaysRevoked(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	key := f.Module.Public()
	rev := modtest.Doc(modstore.Doc{Revocation: &modstore.Revocation{Key: key}}, f.Roots[0])
	refused(t, f.Store.Apply(rev), modstore.ErrBelowThreshold)
	if _, err := f.Store.Verify(goodModule(f)); err != nil {
		t.Fatalf("a revocation below threshold revoked: %v", err)
	}
	rev = modtest.Doc(modstore.Doc{Revocation: &modstore.Revocation{Key: key}}, f.Roots[0], f.Roots[2])
	if err := f.Store.Apply(rev); err != nil {
		t.Fatal(err)
	}
	refused(t, f.Store.Apply(f.Delegation(key, nil, f.Roots...)), modstore.ErrRevokedKey)
	_, err := f.Store.Verify(goodModule(f))
	refused(t, err, modstore.ErrRevokedKey)
	if r := f.Store.Revoked(); len(r) != 1 || r[0] != key {
		t.Errorf("revoked %v", r)
	}
}

func TestATrustSignatureIsNotAModuleSignature(t *testing.T) {
	// A root signs the delegation's bytes; the same signature moved into
	// a module must not verify, whatever the module's bytes.
	f := modtest.NewFixture(modstore.Config{})
	d, err := modstore.ParseDoc(f.Delegation(f.Module.Public(), nil, f.Module))
	if err != nil {
		t.Fatal(err)
	}
	mod := modstore.Wrap(modtest.Manifest("netdrv"), modtest.TinyELF())
	mod.Signatures = d.Signatures
	b, err := mod.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Store.Verify(b)
	refused(t, err, modstore.ErrBadSignature)
}

func TestBundlesParseBackToBack(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	del := f.Delegation(f.Module.Public(), []string{"net*"}, f.Roots[0], f.Roots[1])
	docs, err := modstore.ParseDocs(append(append([]byte{}, f.Anchor...), del...))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Kind() != modstore.KindRoot || docs[1].Kind() != modstore.KindDelegation {
		t.Fatalf("bundle parsed to %d documents", len(docs))
	}
	if g := docs[1].Delegation; g.Key != f.Module.Public() || len(g.Names) != 1 || g.Names[0] != "net*" {
		t.Errorf("delegation %+v", g)
	}
	for n := range len(del) {
		if _, err := modstore.ParseDocs(del[:n]); !errors.Is(err, modstore.ErrTruncated) {
			t.Fatalf("first %d bytes of a delegation: %v, want %v", n, err, modstore.ErrTruncated)
		}
	}
	_, err = modstore.ParseDoc(append(del, 0))
	refused(t, err, modstore.ErrMalformed)
}

func TestBadTrustDocumentsAreRefused(t *testing.T) {
	k := modtest.Key("a").Public()
	for _, tc := range []struct {
		name string
		doc  modstore.Doc
	}{
		{"threshold 0", modstore.Doc{Root: &modstore.RootSet{Version: 1, Threshold: 0, Keys: []modstore.PublicKey{k}}}},
		{"threshold above n", modstore.Doc{Root: &modstore.RootSet{Version: 1, Threshold: 2, Keys: []modstore.PublicKey{k}}}},
		{"a key twice", modstore.Doc{Root: &modstore.RootSet{Version: 1, Threshold: 1, Keys: []modstore.PublicKey{k, k}}}},
		{"version 0", modstore.Doc{Root: &modstore.RootSet{Threshold: 1, Keys: []modstore.PublicKey{k}}}},
		{"a bad name pattern", modstore.Doc{Delegation: &modstore.Delegation{Key: k, Names: []string{"Net*"}}}},
		{"unsorted patterns", modstore.Doc{Delegation: &modstore.Delegation{Key: k, Names: []string{"b", "a"}}}},
		{"two kinds", modstore.Doc{Delegation: &modstore.Delegation{Key: k}, Revocation: &modstore.Revocation{Key: k}}},
		{"no kind", modstore.Doc{}},
	} {
		if _, err := tc.doc.MarshalBinary(); !errors.Is(err, modstore.ErrMalformed) {
			t.Errorf("%s: %v, want %v", tc.name, err, modstore.ErrMalformed)
		}
	}
}

func TestNamePatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"net", "net", true},
		{"net", "netdrv", false},
		{"net*", "netdrv", true},
		{"net*", "net", true},
		{"net*", "fs", false},
		{"*", "anything", true},
	} {
		if got := modstore.MatchName(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchName(%q, %q) = %v", tc.pattern, tc.name, got)
		}
	}
}

func TestOpenReplaysADirectoryOfDocuments(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	a, b, c := f.Roots[0], f.Roots[1], f.Roots[2]
	d := modtest.Key("d")
	outsider := modtest.Key("outsider")
	var docs []*modstore.Doc
	for _, raw := range [][]byte{
		f.Delegation(f.Module.Public(), nil, a, b),
		// Revoked by the first roots, then c leaves.
		modtest.Doc(modstore.Doc{Revocation: &modstore.Revocation{Key: outsider.Public()}}, b, c),
		modtest.RootDoc(2, 2, []*modstore.Signer{a, b, d}, a, b, d),
		f.Anchor,
		// Signed by a and c: lapses when c leaves.
		f.Delegation(modtest.Key("lapsed").Public(), nil, a, c),
		f.Delegation(outsider.Public(), nil, a, b),
	} {
		doc, err := modstore.ParseDoc(raw)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	s, warnings, err := modstore.Open(docs, modstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Root().Version != 2 {
		t.Errorf("root version %d, want 2", s.Root().Version)
	}
	if len(warnings) != 2 || !errors.Is(warnings[0], modstore.ErrBelowThreshold) || !errors.Is(warnings[1], modstore.ErrRevokedKey) {
		t.Errorf("warnings %v, want the lapsed delegation and the revoked one", warnings)
	}
	if g := s.Delegations(); len(g) != 1 || g[0].Key != f.Module.Public() {
		t.Errorf("delegations %v, want the module key's", g)
	}
	if _, err := s.Verify(goodModule(f)); err != nil {
		t.Errorf("module after Open: %v", err)
	}
}

func TestARepeatedSignatureCountsOnce(t *testing.T) {
	f := modtest.NewFixture(modstore.Config{})
	doc := &modstore.Doc{Delegation: &modstore.Delegation{Key: modtest.Key("k2").Public()}}
	if err := doc.Sign(f.Roots[0]); err != nil {
		t.Fatal(err)
	}
	doc.Signatures = append(doc.Signatures, doc.Signatures[0])
	refused(t, f.Store.ApplyDoc(doc), modstore.ErrBelowThreshold)
}
