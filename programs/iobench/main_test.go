package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFlagsAreCheckedBeforeAnythingRuns(t *testing.T) {
	for _, args := range [][]string{
		{"-disk-mib", "0"}, {"-chunk", "4"}, {"-tcp-port", "80"}, {"-http-port", "70000"},
		{"-http-body", "-1"}, {"-serve-limit", "0s"}, {"extra"}, {"-nosuchflag"},
	} {
		var out bytes.Buffer
		if status := run(args, &out); status != 2 {
			t.Errorf("run(%q) = %d, want 2", args, status)
		}
		if strings.Contains(out.String(), "BENCH") {
			t.Errorf("run(%q) printed %q, want no BENCH line", args, out.String())
		}
	}
	c, err := parseFlags([]string{"-disk-mib", "3", "-dir", "/x"}, io.Discard)
	if err != nil || c.diskBytes != 3<<20 || c.dir != "/x" || c.tcpPort != 5001 || c.httpPort != 80 {
		t.Errorf("parseFlags = %+v, %v", c, err)
	}
}

func TestDiskReadsBackWhatItWroteAfterDroppingTheCache(t *testing.T) {
	// A size that is no multiple of the chunk ends in a short chunk.
	d := disk{dir: t.TempDir(), size: 5<<20 + 12345, chunk: 256 << 10}
	dropped := false
	d.dropCache = func() error { dropped = true; return nil }
	if took, err := d.write(); err != nil || took <= 0 {
		t.Fatalf("write: %v, %v", took, err)
	}
	if st, err := os.Stat(d.path()); err != nil || st.Size() != d.size {
		t.Fatalf("the file: %v, %v; want %d bytes", st, err, d.size)
	}
	if took, err := d.read(); err != nil || took <= 0 {
		t.Fatalf("read: %v, %v", took, err)
	}
	if !dropped {
		t.Error("the read did not drop the cache first")
	}
}

func TestDiskReadFindsAMisplacedChunk(t *testing.T) {
	d := disk{dir: t.TempDir(), size: 1 << 20, chunk: 64 << 10, dropCache: func() error { return nil }}
	if _, err := d.write(); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(d.path())
	if err != nil {
		t.Fatal(err)
	}
	// Chunk 3 where chunk 2 was: the same pattern, another number.
	b := bytes.Clone(orig)
	copy(b[2*d.chunk:3*d.chunk], b[3*d.chunk:4*d.chunk])
	if err := os.WriteFile(d.path(), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.read(); err == nil || !strings.Contains(err.Error(), "chunk 2") {
		t.Errorf("read of a file with a misplaced chunk: %v, want chunk 2's error", err)
	}
	if err := os.WriteFile(d.path(), orig[:len(orig)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.read(); err == nil || !strings.Contains(err.Error(), "wrote") {
		t.Errorf("read of a short file: %v, want an error about its size", err)
	}
}

func TestDiskWriteFailsWithoutItsDirectory(t *testing.T) {
	d := disk{dir: filepath.Join(t.TempDir(), "none"), size: 1 << 20, chunk: 64 << 10}
	if _, err := d.write(); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

func TestParseCommand(t *testing.T) {
	for _, tt := range []struct {
		line string
		cmd  string
		n    int64
		ok   bool
	}{
		{"sink 1048576\n", "sink", 1 << 20, true},
		{"source 0\n", "source", 0, true},
		{"quit\n", "quit", 0, true},
		{"sink\n", "", 0, false},
		{"sink -1\n", "", 0, false},
		{"source 1 2\n", "", 0, false},
		{"drain 5\n", "", 0, false},
		{"\n", "", 0, false},
	} {
		cmd, n, err := parseCommand(tt.line)
		if (err == nil) != tt.ok || cmd != tt.cmd || n != tt.n {
			t.Errorf("parseCommand(%q) = %q, %d, %v", tt.line, cmd, n, err)
		}
	}
}

// dial connects to the TCP port, reads the greeting and sends a command.
func dial(t *testing.T, s *servers, command string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", s.tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if g, err := r.ReadString('\n'); err != nil || g != greeting {
		t.Fatalf("greeting %q, %v", g, err)
	}
	if _, err := io.WriteString(c, command); err != nil {
		t.Fatal(err)
	}
	return c, r
}

func TestServersSinkSourceAnswerHTTPAndQuit(t *testing.T) {
	s, err := listen(0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3<<20 + 7

	c, r := dial(t, s, "sink 3145735\n")
	if _, err := c.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if line, err := r.ReadString('\n'); err != nil || line != "ok 3145735\n" {
		t.Errorf("after the sink: %q, %v", line, err)
	}
	c.Close()

	c, r = dial(t, s, "source 3145735\n")
	got, err := io.Copy(io.Discard, r)
	if err != nil || got != n {
		t.Errorf("source: %d bytes, %v; want %d", got, err, n)
	}
	c.Close()

	c, r = dial(t, s, "fetch 1\n")
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "error ") {
		t.Errorf("a bad command's answer: %q", line)
	}
	c.Close()

	resp, err := http.Get("http://" + s.http.Addr().String() + "/any")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(body) != 100 || resp.ContentLength != 100 {
		t.Errorf("HTTP: %s, %d bytes (length %d), %v", resp.Status, len(body), resp.ContentLength, err)
	}

	select {
	case <-s.quit:
		t.Fatal("quit before the quit command")
	default:
	}
	c, r = dial(t, s, "quit\n")
	if line, err := r.ReadString('\n'); err != nil || line != "bye\n" {
		t.Errorf("quit: %q, %v", line, err)
	}
	c.Close()
	select {
	case <-s.quit:
	case <-time.After(10 * time.Second):
		t.Fatal("no quit after the quit command")
	}
	errs := s.close()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "fetch") {
		t.Errorf("the servers' errors: %v, want the bad command's", errs)
	}
}
