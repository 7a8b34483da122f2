package main

import (
	"bytes"
	"clk/modstore/modtest"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// session runs clkmod commands in a temporary directory.
type session struct {
	t   *testing.T
	dir string
}

// path returns name inside the session's directory.
func (s *session) path(name string) string { return filepath.Join(s.dir, name) }

// run runs a command line, with {} in each argument replaced by the
// session's directory, and checks its exit status and that its output
// holds each of want.
func (s *session) run(status int, line string, want ...string) string {
	s.t.Helper()
	var args []string
	for _, a := range strings.Fields(line) {
		args = append(args, strings.ReplaceAll(a, "{}", s.dir))
	}
	var out, errOut bytes.Buffer
	got := run(args, &out, &errOut)
	all := out.String() + errOut.String()
	if got != status {
		s.t.Fatalf("clkmod %s: status %d, want %d; output:\n%s", line, got, status, all)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			s.t.Fatalf("clkmod %s: output lacks %q:\n%s", line, w, all)
		}
	}
	return out.String()
}

func TestASessionFromKeysToVerifiedModules(t *testing.T) {
	s := &session{t: t, dir: t.TempDir()}
	for _, k := range []string{"r1", "r2", "r3", "r4", "mod"} {
		s.run(0, "keygen -o {}/keys/"+k, "keys/"+k+".key")
	}
	if info, err := os.Stat(s.path("keys/r1.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("private key file mode: %v, %v", info.Mode(), err)
	}
	s.run(1, "keygen -o {}/keys/r1", "exists")

	s.run(0, "root -trust {}/trust -k 2 -sign {}/keys/r1.key,{}/keys/r2.key {}/keys/r1.pub {}/keys/r2.pub {}/keys/r3.pub", "root-1.clkt")
	s.run(1, "root -trust {}/trust -k 1 -sign {}/keys/r1.key {}/keys/r1.pub", "already holds")
	s.run(1, "delegate -trust {}/trust -sign {}/keys/r1.key -names net* {}/keys/mod.pub", "below threshold")
	s.run(0, "delegate -trust {}/trust -sign {}/keys/r1.key -sign {}/keys/r3.key -names net* {}/keys/mod.pub", "delegate-")

	if err := os.WriteFile(s.path("tiny.elf"), modtest.TinyELF(), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg := s.path("netdrv")
	os.Mkdir(pkg, 0o755)
	manifest := `{"version": "1.0.0", "devices": ["id:1af4:1041"], "provides": ["net"], "threads": 4}`
	if err := os.WriteFile(filepath.Join(pkg, "module.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	s.run(0, "build -elf {}/tiny.elf -key {}/keys/mod.key -o {}/net.clkm {}/netdrv", "netdrv 1.0.0", "1 signatures")

	var got struct {
		Manifest struct {
			Name    string
			Version string
			Devices []string
			Threads int
			Memory  uint64
		}
		ELF     struct{ Size int }
		Signers []string
	}
	if err := json.Unmarshal([]byte(s.run(0, "inspect {}/net.clkm")), &got); err != nil {
		t.Fatal(err)
	}
	m := got.Manifest
	if m.Name != "netdrv" || m.Version != "1.0.0" || len(m.Devices) != 1 || m.Threads != 4 || m.Memory != defaultMemory ||
		got.ELF.Size != len(modtest.TinyELF()) || len(got.Signers) != 1 {
		t.Errorf("inspect: %+v", got)
	}
	s.run(0, "inspect {}/trust/root-1.clkt", `"kind": "root_set"`, `"threshold": 2`)

	s.run(0, "verify -trust {}/trust {}/net.clkm", "ok ", "netdrv 1.0.0 signed by key")
	s.run(1, "verify -trust {}/trust -abi 7 {}/net.clkm", "unsupported ABI version")

	// Unsigned: refused, tainted when permissive, accepted once signed.
	s.run(0, "build -elf {}/tiny.elf -version 1.0.1 -name netdrv -o {}/unsigned.clkm {}/netdrv")
	s.run(1, "verify -trust {}/trust {}/unsigned.clkm", "refused", "module is unsigned")
	s.run(0, "verify -trust {}/trust -permissive {}/unsigned.clkm", "tainted", "module is unsigned")
	s.run(0, "sign -key {}/keys/mod.key {}/unsigned.clkm", "signed")
	s.run(0, "verify -trust {}/trust {}/unsigned.clkm", "ok ")

	// A name the key is not delegated for; a device outside policy.
	s.run(0, "build -elf {}/tiny.elf -version 1.0.0 -name fsdrv -key {}/keys/mod.key -o {}/fs.clkm {}/netdrv")
	s.run(1, "verify -trust {}/trust {}/fs.clkm", "not delegated for this module name")
	policy := `{"grants": [{"modules": ["net*"], "provides": ["net"], "memory": 67108864, "threads": 8}]}`
	if err := os.WriteFile(s.path("policy.json"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	s.run(1, "verify -trust {}/trust -policy {}/policy.json {}/net.clkm", "capability not granted", "device id:1af4:1041")

	// A flipped byte, a truncated file.
	b, _ := os.ReadFile(s.path("net.clkm"))
	b[len(b)/2] ^= 0xff
	os.WriteFile(s.path("flipped.clkm"), b, 0o644)
	s.run(1, "verify -trust {}/trust {}/flipped.clkm", "refused")
	os.WriteFile(s.path("short.clkm"), b[:len(b)-10], 0o644)
	s.run(1, "verify -trust {}/trust {}/short.clkm", "truncated file")
	s.run(1, "inspect {}/short.clkm", "truncated file")

	// r3 leaves: the delegation it signed lapses, r1 and r2 sign again.
	s.run(1, "rotate -trust {}/trust -k 2 -sign {}/keys/r4.key,{}/keys/r2.key {}/keys/r1.pub {}/keys/r2.pub {}/keys/r4.pub", "below threshold")
	s.run(0, "rotate -trust {}/trust -k 2 -sign {}/keys/r1.key,{}/keys/r2.key,{}/keys/r4.key {}/keys/r1.pub {}/keys/r2.pub {}/keys/r4.pub",
		"root-2.clkt", "lapses")
	s.run(1, "verify -trust {}/trust {}/net.clkm", "warning: delegation left out", "not in the trust store")
	s.run(0, "delegate -trust {}/trust -sign {}/keys/r4.key,{}/keys/r2.key -names net* {}/keys/mod.pub")
	s.run(0, "verify -trust {}/trust {}/net.clkm", "ok ")

	s.run(0, "revoke -trust {}/trust -sign {}/keys/r1.key,{}/keys/r4.key {}/keys/mod.pub", "revoke-", "removed")
	out := s.run(1, "verify -trust {}/trust {}/net.clkm", "signed by a revoked key")
	if strings.Contains(out, "warning") {
		t.Errorf("the revoked key's delegation is still read:\n%s", out)
	}
}

func TestUsageAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if got := run([]string{"help"}, &out, &errOut); got != 0 || !strings.Contains(out.String(), "clkmod verify") {
		t.Errorf("help: status %d, output %q", got, out.String())
	}
	if got := run([]string{"sign", "x.clkm"}, &out, &errOut); got != 2 || !strings.Contains(errOut.String(), "usage: clkmod sign") {
		t.Errorf("sign without -key: status %d, %q", got, errOut.String())
	}
	if got := run([]string{"frobnicate"}, &out, &errOut); got != 2 {
		t.Errorf("an unknown command: status %d", got)
	}
}

func TestBuildWithoutAVersionIsRefused(t *testing.T) {
	s := &session{t: t, dir: t.TempDir()}
	os.WriteFile(s.path("tiny.elf"), modtest.TinyELF(), 0o644)
	s.run(1, "build -elf {}/tiny.elf -o {}/x.clkm {}/pkg", "no version")
	os.WriteFile(s.path("not.elf"), []byte("not an ELF at all"), 0o644)
	s.run(1, "build -elf {}/not.elf -version 1.0.0 -o {}/x.clkm {}/pkg", "malformed ELF")
}

func TestExpiries(t *testing.T) {
	now, _ := expiry("", modtestNow)
	if now != 0 {
		t.Errorf("no expiry: %d", now)
	}
	for in, want := range map[string]int64{
		"2027-01-31":           time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC).Unix(),
		"2027-01-31T12:00:00Z": time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC).Unix(),
		"24h":                  modtestNow.Unix() + 86400,
	} {
		if got, err := expiry(in, modtestNow); err != nil || got != want {
			t.Errorf("expiry(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := expiry("next week", modtestNow); err == nil {
		t.Error("expiry of nonsense accepted")
	}
}

var modtestNow = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
