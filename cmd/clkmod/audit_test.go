package main

import (
	"bytes"
	"clk/kernel/audit"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// writeAuditLog writes a log of n module events to path, signed with the
// private key file keyPath every 3 records, and returns its head.
func writeAuditLog(t *testing.T, path, keyPath string, n int) audit.Head {
	t.Helper()
	s, err := readSigner(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	l, err := audit.New(f, audit.Config{Key: ed25519.NewKeyFromSeed(s.Seed()), CheckpointEvery: 3,
		Clock: func() time.Time { at = at.Add(time.Second); return at }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		e := audit.Entry{Event: "install", Subject: "netdrv", Detail: fmt.Sprintf("version 1.0.%d", i),
			Fields: []audit.Field{{Key: "signer", Value: "d53e454b"}}}
		if _, err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	return l.Head()
}

// auditEntries returns where each entry of a log file starts.
func auditEntries(b []byte) []int {
	const headerSize = 56
	var offs []int
	for off := headerSize; off+4 <= len(b); off += 4 + int(binary.LittleEndian.Uint32(b[off:])) {
		offs = append(offs, off)
	}
	return offs
}

func TestAuditVerifyAndShow(t *testing.T) {
	s := &session{t: t, dir: t.TempDir()}
	s.run(0, "keygen -o {}/keys/audit")
	s.run(0, "keygen -o {}/keys/other")
	head := writeAuditLog(t, s.path("audit.log"), s.path("keys/audit.key"), 5)

	s.run(0, "audit verify {}/audit.log", "ok ", "5 records", "first: record 1 at 2026-05-01T12:00:01Z",
		"last:  record 5 at 2026-05-01T12:00:06Z", fmt.Sprintf("head:  5:%v", head.Hash),
		"signed: records 1 to 3", "2 records after the last", "give -key")
	if out := s.run(0, "audit verify -key {}/keys/audit.pub {}/audit.log"); strings.Contains(out, "warning") {
		t.Errorf("a pinned key is still warned about:\n%s", out)
	}
	s.run(1, "audit verify -key {}/keys/other.pub {}/audit.log", "bad ", "header: key mismatch")
	s.run(0, fmt.Sprintf("audit verify -head 5:%v {}/audit.log", head.Hash))
	s.run(1, "audit verify -head 5:00 {}/audit.log", "want SEQ:HASH")

	b, _ := os.ReadFile(s.path("audit.log"))
	offs := auditEntries(b) // records 1-3, the checkpoint, records 4-5; a record's detail starts at its byte 70
	damage := map[string]struct {
		b    []byte
		want []string
	}{
		"flipped": {flip(b, offs[1]+75), []string{"record 3 at offset", "hash mismatch", "good records before it: 2"}},
		"deleted": {append(bytes.Clone(b[:offs[1]]), b[offs[2]:]...), []string{"record 2 at offset", "sequence gap: record 3 where 2 belongs"}},
		"torn":    {b[:len(b)-3], []string{"record 5 at offset", "truncated"}},
		"forged":  {flip(b, offs[4]-1), []string{"checkpoint after record 3", "bad signature"}},
		"text": {[]byte("hello, world, this is a text file and not a log at all"),
			[]string{"header: bad encoding: not an audit log"}},
	}
	for name, d := range damage {
		os.WriteFile(s.path(name), d.b, 0o644)
		s.run(1, "audit verify {}/"+name, append([]string{"bad "}, d.want...)...)
	}
	// A tail cut at a record's end verifies on its own, not against the head.
	os.WriteFile(s.path("cut"), b[:offs[5]], 0o644)
	s.run(0, "audit verify {}/cut", "4 records")
	s.run(1, fmt.Sprintf("audit verify -head 5:%v {}/cut", head.Hash), "known head missing")

	s.run(0, "audit show {}/audit.log", `1 2026-05-01T12:00:01Z install netdrv "version 1.0.1" signer=d53e454b`)
	var n int
	for _, line := range strings.Split(strings.TrimSpace(s.run(0, "audit show -json {}/audit.log")), "\n") {
		var r struct {
			Seq    uint64
			Event  string
			Fields map[string]string
			Hash   string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("show -json: %v: %s", err, line)
		}
		n++
		if r.Seq != uint64(n) || r.Event != "install" || r.Fields["signer"] != "d53e454b" || len(r.Hash) != 64 {
			t.Errorf("show -json, line %d: %+v", n, r)
		}
	}
	if n != 5 {
		t.Errorf("show -json printed %d records", n)
	}
	out := s.run(1, "audit show {}/flipped", "bad ", "hash mismatch")
	if strings.Count(out, "install") != 2 {
		t.Errorf("show of a broken log prints the records before the break:\n%s", out)
	}

	s.run(2, "audit", "usage: clkmod audit verify")
	s.run(2, "audit frob {}/audit.log", "usage: clkmod audit verify")
	s.run(1, "audit verify {}/nothing", "no such file")
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

// TestAuditVerifyPinsABootKey verifies a log rekeyed at each of two
// boots, as the kernel keeps it: the keys its records name are listed,
// and a boot's key given in hex pins the records its checkpoint covers.
func TestAuditVerifyPinsABootKey(t *testing.T) {
	s := &session{t: t, dir: t.TempDir()}
	path := s.path("audit.log")
	keys := []ed25519.PrivateKey{ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)), ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))}
	for _, k := range keys {
		old, _ := os.ReadFile(path)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		l, err := audit.Resume(bytes.NewReader(old), f, audit.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Rekey(k); err != nil {
			t.Fatal(err)
		}
		l.Record("install", "kv", "1.0.0")
		f.Close()
	}
	bootKey := func(i int) string { return fmt.Sprintf("%x", []byte(keys[i].Public().(ed25519.PublicKey))) }
	s.run(0, "audit verify {}/audit.log", "4 records", "signed: records 1 to 3 by key "+string(keyID(keys[1].Public().(ed25519.PublicKey)))+" ",
		"keys:  2 named by checkpoint-key records: ", "give -key to pin one")
	s.run(0, "audit verify -key "+bootKey(0)+" {}/audit.log", "pinned: records 1 to 1 signed by the key given")
	s.run(0, "audit verify -key "+bootKey(1)+" {}/audit.log", "pinned: records 1 to 3 signed by the key given")
	s.run(1, "audit verify -key "+strings.Repeat("ab", 32)+" {}/audit.log", "bad ", "key mismatch")
}
