package main

import (
	"clk/modstore"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A trust store on the host is a directory of trust documents, one per
// .clkt file (root-N.clkt, delegate-KEYID.clkt, revoke-KEYID.clkt), or a
// single file holding a bundle of them back to back.
const trustExt = ".clkt"

// readDocs reads the trust documents of a directory or a bundle file.
func readDocs(path string) ([]*modstore.Doc, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if info.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*"+trustExt)); err != nil {
			return nil, err
		}
		slices.Sort(files)
	}
	var docs []*modstore.Doc
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		d, err := modstore.ParseDocs(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		docs = append(docs, d...)
	}
	return docs, nil
}

// openStore opens the trust store at path, printing Open's warnings to
// out.
func openStore(path string, cfg modstore.Config, out io.Writer) (*modstore.Store, error) {
	docs, err := readDocs(path)
	if err != nil {
		return nil, err
	}
	s, warnings, err := modstore.Open(docs, cfg)
	if err != nil {
		return nil, fmt.Errorf("trust store %s: %w", path, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(out, "warning: %v\n", w)
	}
	return s, nil
}

// signedDoc signs doc with the key files signers and returns its bytes.
func signedDoc(doc *modstore.Doc, signers []string) ([]byte, error) {
	keys, err := readSigners(signers)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := doc.Sign(k); err != nil {
			return nil, err
		}
	}
	return doc.MarshalBinary()
}

// writeDoc writes a document into the trust directory, refusing to
// overwrite one.
func writeDoc(dir, name string, b []byte, out io.Writer) error {
	path := filepath.Join(dir, name+trustExt)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s\n", path)
	return nil
}

// rootFlags parses the flags of root and rotate.
func rootFlags(name string, args []string, out io.Writer) (dir string, k int, signers, members []string, err error) {
	fs := flags(name, out)
	d := fs.String("trust", "", "the trust directory")
	kf := fs.Int("k", 0, "the threshold: how many roots must sign")
	sign := signFlag(fs)
	if err := fs.Parse(args); err != nil || *d == "" || *kf < 1 || fs.NArg() == 0 {
		return "", 0, nil, nil, errUsage
	}
	return *d, *kf, *sign, fs.Args(), nil
}

// rootSet returns the root set of the member key files.
func rootSet(version uint32, k int, members []string) (modstore.RootSet, error) {
	var keys []modstore.PublicKey
	for _, m := range members {
		pub, err := readPublic(m)
		if err != nil {
			return modstore.RootSet{}, err
		}
		keys = append(keys, pub)
	}
	return modstore.NewRootSet(version, k, keys), nil
}

func rootInit(args []string, out io.Writer) error {
	dir, k, signers, members, err := rootFlags("root", args, out)
	if err != nil {
		return err
	}
	if docs, _ := filepath.Glob(filepath.Join(dir, "*"+trustExt)); len(docs) > 0 {
		return fmt.Errorf("%s already holds trust documents; rotate replaces the roots", dir)
	}
	r, err := rootSet(1, k, members)
	if err != nil {
		return err
	}
	b, err := signedDoc(&modstore.Doc{Root: &r}, signers)
	if err != nil {
		return err
	}
	if _, err := modstore.NewStore(b, modstore.Config{}); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeDoc(dir, "root-1", b, out)
}

func rotate(args []string, out io.Writer) error {
	dir, k, signers, members, err := rootFlags("rotate", args, out)
	if err != nil {
		return err
	}
	s, err := openStore(dir, modstore.Config{}, out)
	if err != nil {
		return err
	}
	before := s.Delegations()
	r, err := rootSet(s.Root().Version+1, k, members)
	if err != nil {
		return err
	}
	b, err := signedDoc(&modstore.Doc{Root: &r}, signers)
	if err != nil {
		return err
	}
	if err := s.Apply(b); err != nil {
		return err
	}
	after := s.Delegations()
	for _, g := range before {
		if !slices.ContainsFunc(after, func(h modstore.Delegation) bool { return h.Key == g.Key }) {
			fmt.Fprintf(out, "delegation of key %s lapses: the new roots must delegate it again\n", g.Key.ID())
		}
	}
	return writeDoc(dir, fmt.Sprintf("root-%d", r.Version), b, out)
}

// expiry parses -expires: a date (2027-01-31), an RFC 3339 time, or a
// duration from now (720h).
func expiry(s string, now time.Time) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(d).Unix(), nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, fmt.Errorf("-expires %q: want a date (2027-01-31), an RFC 3339 time or a duration (720h)", s)
}

// keyDocFlags parses the flags of delegate and revoke.
func keyDocFlags(fs *flag.FlagSet, args []string) (dir string, signers []string, key modstore.PublicKey, err error) {
	d := fs.String("trust", "", "the trust directory")
	sign := signFlag(fs)
	if err := fs.Parse(args); err != nil || *d == "" || fs.NArg() != 1 {
		return "", nil, key, errUsage
	}
	key, err = readPublic(fs.Arg(0))
	return *d, *sign, key, err
}

func delegate(args []string, out io.Writer) error {
	fs := flags("delegate", out)
	var names list
	fs.Var(&names, "names", "module name patterns the key may sign (NAME, PREFIX*); all when absent")
	expires := fs.String("expires", "", "when the delegation ends: a date, an RFC 3339 time or a duration")
	dir, signers, key, err := keyDocFlags(fs, args)
	if err != nil {
		return err
	}
	g := modstore.Delegation{Key: key, Names: slices.Compact(slices.Sorted(slices.Values(names)))}
	if g.Expires, err = expiry(*expires, time.Now()); err != nil {
		return err
	}
	return applyAndWrite(dir, "delegate-"+string(key.ID()), &modstore.Doc{Delegation: &g}, signers, out)
}

func revoke(args []string, out io.Writer) error {
	dir, signers, key, err := keyDocFlags(flags("revoke", out), args)
	if err != nil {
		return err
	}
	if err := applyAndWrite(dir, "revoke-"+string(key.ID()), &modstore.Doc{Revocation: &modstore.Revocation{Key: key}}, signers, out); err != nil {
		return err
	}
	// The key's delegation is dead now: drop its file, which every later
	// load would otherwise warn about.
	del := filepath.Join(dir, "delegate-"+string(key.ID())+trustExt)
	if err := os.Remove(del); err == nil {
		fmt.Fprintf(out, "removed %s\n", del)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// applyAndWrite signs doc, checks that the store at dir takes it, and
// writes it there under name, replacing an earlier document of that name
// (a key delegated again).
func applyAndWrite(dir, name string, doc *modstore.Doc, signers []string, out io.Writer) error {
	s, err := openStore(dir, modstore.Config{}, out)
	if err != nil {
		return err
	}
	b, err := signedDoc(doc, signers)
	if err != nil {
		return err
	}
	if err := s.Apply(b); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, name+trustExt)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return writeDoc(dir, name, b, out)
}

// docJSON is a trust document as inspect prints it.
type docJSON struct {
	Kind       string               `json:"kind"`
	Root       *modstore.RootSet    `json:"root,omitempty"`
	Delegation *modstore.Delegation `json:"delegation,omitempty"`
	Revocation *modstore.Revocation `json:"revocation,omitempty"`
	Signers    []modstore.KeyID     `json:"signers"`
}

func docsJSON(docs []*modstore.Doc) []docJSON {
	var out []docJSON
	for _, d := range docs {
		j := docJSON{Kind: strings.ReplaceAll(d.Kind().String(), " ", "_"), Root: d.Root, Delegation: d.Delegation, Revocation: d.Revocation}
		for _, s := range d.Signatures {
			j.Signers = append(j.Signers, s.Key.ID())
		}
		out = append(out, j)
	}
	return out
}
