package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// release makes a signed release directory of two files, one in a
// subdirectory, in a new session, and returns the session.
func release(t *testing.T) *session {
	s := &session{t: t, dir: t.TempDir()}
	s.run(0, "keygen -o {}/keys/release")
	s.run(0, "keygen -o {}/keys/other")
	if err := os.MkdirAll(s.path("rel/logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"rel/clk.iso": "an image", "rel/logs/boot.log": "clk> "} {
		if err := os.WriteFile(s.path(name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.run(0, "sign-release -key {}/keys/release.key {}/rel", "signed 3 files")
	return s
}

func TestAReleaseAsSignedVerifies(t *testing.T) {
	s := release(t)
	sums, err := os.ReadFile(s.path("rel/SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"  clk.iso\n", "  logs/boot.log\n", "  release.pub\n"} {
		if !strings.Contains(string(sums), name) {
			t.Errorf("SHA256SUMS lacks %q:\n%s", name, sums)
		}
	}
	s.run(0, "verify-release {}/rel", "ok     clk.iso", "ok     logs/boot.log", "signed by release key", "key came from the directory")
	s.run(0, "verify-release -key {}/keys/release.pub {}/rel", "every file matches")
}

func TestATamperedFileIsNamed(t *testing.T) {
	s := release(t)
	if err := os.WriteFile(s.path("rel/logs/boot.log"), []byte("clk# "), 0o644); err != nil {
		t.Fatal(err)
	}
	out := s.run(1, "verify-release {}/rel", "FAILED logs/boot.log: checksum mismatch", "ok     clk.iso", "REFUSED, 1 problem")
	if strings.Contains(out, "FAILED clk.iso") || strings.Contains(out, "FAILED SHA256SUMS.sig") {
		t.Errorf("an untouched file or the signature failed:\n%s", out)
	}
}

func TestAMissingFileIsNamed(t *testing.T) {
	s := release(t)
	if err := os.Remove(s.path("rel/clk.iso")); err != nil {
		t.Fatal(err)
	}
	s.run(1, "verify-release {}/rel", "FAILED clk.iso: missing", "REFUSED, 1 problem")
}

func TestAnAddedFileIsNamed(t *testing.T) {
	s := release(t)
	if err := os.WriteFile(s.path("rel/extra.elf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.run(1, "verify-release {}/rel", "FAILED extra.elf: not listed in SHA256SUMS")
}

func TestAnEditedChecksumListFailsItsSignature(t *testing.T) {
	s := release(t)
	// The attacker changes a file and its line in SHA256SUMS: every
	// checksum matches, the signature does not.
	if err := os.WriteFile(s.path("rel/clk.iso"), []byte("another image"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := fileSum(s.path("rel/clk.iso"))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := os.ReadFile(s.path("rel/SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(sums), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "  clk.iso") {
			lines[i] = sum + "  clk.iso"
		}
	}
	if err := os.WriteFile(s.path("rel/SHA256SUMS"), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	s.run(1, "verify-release {}/rel", "FAILED SHA256SUMS.sig: bad signature", "ok     clk.iso", "REFUSED, 1 problem")
}

func TestASignatureByAnotherKeyIsRefused(t *testing.T) {
	s := release(t)
	s.run(0, "sign-release -key {}/keys/other.key {}/rel")
	s.run(1, "verify-release -key {}/keys/release.pub {}/rel", "FAILED SHA256SUMS.sig: bad signature", "REFUSED, 1 problem")
}

func TestAMissingOrCutSignatureIsNamed(t *testing.T) {
	s := release(t)
	sig := s.path("rel/SHA256SUMS.sig")
	if err := os.Truncate(sig, 10); err != nil {
		t.Fatal(err)
	}
	s.run(1, "verify-release {}/rel", "FAILED SHA256SUMS.sig: 10 bytes")
	if err := os.Remove(sig); err != nil {
		t.Fatal(err)
	}
	s.run(1, "verify-release {}/rel", "FAILED SHA256SUMS.sig:", "no such file")
}

func TestTheReleaseKeyMayNotBeTheModuleKey(t *testing.T) {
	s := release(t)
	s.run(1, "sign-release -key {}/keys/release.key -not {}/keys/release.pub {}/rel", "a key of its own")
	s.run(0, "sign-release -key {}/keys/release.key -not {}/keys/other.pub {}/rel")
}

func TestChecksumListsThatLeaveTheDirectoryAreRefused(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, text := range []string{
		sum + "  ../etc/passwd\n",
		sum + "  /etc/passwd\n",
		sum + "  a/./b\n",
		sum + "  a\n" + sum + "  a\n",
		strings.ToUpper(sum) + "  a\n",
		sum + " a\n",
		"short  a\n",
	} {
		if _, err := parseSums([]byte(text)); err == nil {
			t.Errorf("parseSums(%q) accepted it", text)
		}
	}
	got, err := parseSums([]byte(sum + "  a/b\n" + sum + " *c\n"))
	if err != nil || len(got) != 2 || got[0].name != "a/b" || got[1].name != "c" {
		t.Errorf("parseSums of good lines: %v, %v", got, err)
	}
}

func TestALinkInAReleaseIsRefused(t *testing.T) {
	s := release(t)
	if err := os.Symlink("clk.iso", filepath.Join(s.dir, "rel", "link.iso")); err != nil {
		if errors.Is(err, os.ErrPermission) || errors.Is(err, errors.ErrUnsupported) {
			// clk's file systems have no symbolic links.
			t.Skipf("no symbolic link here: %v", err)
		}
		t.Fatal(err)
	}
	s.run(1, "sign-release -key {}/keys/release.key {}/rel", "link.iso: not a regular file")
	s.run(1, "verify-release {}/rel", "link.iso: not a regular file")
}
