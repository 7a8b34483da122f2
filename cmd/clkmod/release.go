package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// A release directory (make release, docs/release.md) holds its files,
// SHA256SUMS over every one of them in sha256sum's format (so that
// `sha256sum -c SHA256SUMS` checks it too), SHA256SUMS.sig, the 64-byte
// ed25519 signature of SHA256SUMS's bytes by the release key (a plain
// detached signature, which other ed25519 tools verify as well), and
// release.pub, the release key's public half.
const (
	sumsName   = "SHA256SUMS"
	sigName    = "SHA256SUMS.sig"
	relPubName = "release.pub"
)

// errBadSums is the cause of a SHA256SUMS that cannot be read as one.
var errBadSums = errors.New("malformed SHA256SUMS")

// releaseFiles returns the slash-separated names of the regular files
// under dir that SHA256SUMS covers, sorted: all but SHA256SUMS and its
// signature. Anything else than files and directories is refused, since
// a link's target could change after signing.
func releaseFiles(dir string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file", rel)
		case rel == sumsName || rel == sigName:
			return nil
		}
		names = append(names, rel)
		return nil
	})
	sort.Strings(names)
	return names, err
}

// fileSum returns the hex SHA-256 of the file at p.
func fileSum(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sumEntry is one line of SHA256SUMS.
type sumEntry struct {
	sum, name string
}

// parseSums reads SHA256SUMS: lines of 64 lower-case hex digits, two
// spaces (or a space and sha256sum's binary-mode '*') and a relative
// slash-separated name that stays inside the directory, each name once.
func parseSums(text []byte) ([]sumEntry, error) {
	var out []sumEntry
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if len(line) < 67 || (line[64:66] != "  " && line[64:66] != " *") {
			return nil, fmt.Errorf("line %d: %w: want SUM, two spaces, NAME", n, errBadSums)
		}
		sum, name := line[:64], line[66:]
		if _, err := hex.DecodeString(sum); err != nil || strings.ToLower(sum) != sum {
			return nil, fmt.Errorf("line %d: %w: %q is not a lower-case hex SHA-256", n, errBadSums, sum)
		}
		if !fs.ValidPath(name) || path.Clean(name) != name || strings.Contains(name, `\`) {
			return nil, fmt.Errorf("line %d: %w: name %q leaves the directory or is not clean", n, errBadSums, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("line %d: %w: %s listed twice", n, errBadSums, name)
		}
		seen[name] = true
		out = append(out, sumEntry{sum, name})
	}
	return out, sc.Err()
}

// readReleaseKey reads the seed of a private key file as an ed25519 key.
func readReleaseKey(p string) (ed25519.PrivateKey, error) {
	text, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	seed, err := parseKeyText(text, privateHeader, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func signRelease(args []string, out io.Writer) error {
	fs := flags("sign-release", out)
	keyFile := fs.String("key", "", "the release key's private key file")
	moduleKey := fs.String("not", "", "a public key file the release key must not be (the module key)")
	if err := fs.Parse(args); err != nil || *keyFile == "" || fs.NArg() != 1 {
		return errUsage
	}
	dir := fs.Arg(0)
	priv, err := readReleaseKey(*keyFile)
	if err != nil {
		return err
	}
	pub := priv.Public().(ed25519.PublicKey)
	if *moduleKey != "" {
		other, err := readPublic(*moduleKey)
		if err != nil {
			return err
		}
		if bytes.Equal(other[:], pub) {
			return fmt.Errorf("%s is the key of %s: a release needs a key of its own", *keyFile, *moduleKey)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, relPubName), keyText(publicHeader, pub), 0o644); err != nil {
		return err
	}
	names, err := releaseFiles(dir)
	if err != nil {
		return fmt.Errorf("release %s: %w", dir, err)
	}
	var sums bytes.Buffer
	for _, name := range names {
		sum, err := fileSum(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return fmt.Errorf("release %s: %w", dir, err)
		}
		fmt.Fprintf(&sums, "%s  %s\n", sum, name)
	}
	if err := os.WriteFile(filepath.Join(dir, sumsName), sums.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, sigName), ed25519.Sign(priv, sums.Bytes()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "signed %d files of %s with release key %s\n", len(names), dir, keyID(pub))
	return nil
}

func verifyRelease(args []string, out io.Writer) error {
	fs := flags("verify-release", out)
	keyFile := fs.String("key", "", "the release key's public key file (default DIR/"+relPubName+")")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errUsage
	}
	dir := fs.Arg(0)
	fromDir := *keyFile == ""
	if fromDir {
		*keyFile = filepath.Join(dir, relPubName)
	}
	pub, err := readPublic(*keyFile)
	if err != nil {
		return fmt.Errorf("release key: %w", err)
	}
	fails := checkRelease(dir, ed25519.PublicKey(pub[:]), out)
	if fails > 0 {
		fmt.Fprintf(out, "release %s: REFUSED, %d problem(s)\n", dir, fails)
		return errRefused
	}
	fmt.Fprintf(out, "release %s: every file matches SHA256SUMS, signed by release key %s\n", dir, pub.ID())
	if fromDir {
		fmt.Fprintf(out, "the key came from the directory itself: compare %s with the key id the project publishes, or give -key\n", pub.ID())
	}
	return nil
}

// checkRelease checks dir against its SHA256SUMS and signature, prints a
// line for each file and each problem, and returns the number of
// problems.
func checkRelease(dir string, pub ed25519.PublicKey, out io.Writer) int {
	fails := 0
	fail := func(name, format string, args ...any) {
		fails++
		fmt.Fprintf(out, "FAILED %s: %s\n", name, fmt.Sprintf(format, args...))
	}
	sums, err := os.ReadFile(filepath.Join(dir, sumsName))
	if err != nil {
		fail(sumsName, "%v", err)
		return fails
	}
	switch sig, err := os.ReadFile(filepath.Join(dir, sigName)); {
	case err != nil:
		fail(sigName, "%v", err)
	case len(sig) != ed25519.SignatureSize:
		fail(sigName, "%d bytes, an ed25519 signature has %d", len(sig), ed25519.SignatureSize)
	case !ed25519.Verify(pub, sums, sig):
		fail(sigName, "bad signature: SHA256SUMS is not signed by release key %s", keyID(pub))
	default:
		fmt.Fprintf(out, "ok     %s (signature of %s)\n", sigName, sumsName)
	}
	entries, err := parseSums(sums)
	if err != nil {
		fail(sumsName, "%v", err)
		return fails
	}
	listed := map[string]bool{}
	for _, e := range entries {
		listed[e.name] = true
		got, err := fileSum(filepath.Join(dir, filepath.FromSlash(e.name)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fail(e.name, "missing")
		case err != nil:
			fail(e.name, "%v", err)
		case got != e.sum:
			fail(e.name, "checksum mismatch: the file was changed (sha256 %s, SHA256SUMS says %s)", got, e.sum)
		default:
			fmt.Fprintf(out, "ok     %s\n", e.name)
		}
	}
	present, err := releaseFiles(dir)
	if err != nil {
		fail(dir, "%v", err)
	}
	for _, name := range present {
		if !listed[name] {
			fail(name, "not listed in SHA256SUMS")
		}
	}
	return fails
}
