// Command stdtest runs the Go standard library's own tests on clk and prints
// a table: package, passed, failed and skipped tests, and time.
//
// Each package's test binary is built with the GOOS=clk toolchain
// (scripts/clk-go) and booted under QEMU by scripts/go_clk_amd64_exec,
// which gives it the package directory's files (testdata included) as a
// read-only file system beside a writable /tmp. Tests run with -short, as
// Go's builders do on slow machines; -full runs them without it, the whole
// tests, which take longer and more memory (-mem sets the guest's, as
// QEMU's -m takes it). With -skips it also lists every skipped test with
// the reason the test gave.
//
// Usage: go run ./scripts/stdtest [-skips] [-full] [-mem 512M] [-timeout 10m] [pkg ...]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Packages is the default list, grown as more pass.
var Packages = []string{
	"archive/tar", "archive/zip", "bufio", "bytes", "cmp", "compress/bzip2",
	"compress/flate", "compress/gzip", "compress/lzw", "compress/zlib",
	"container/heap", "container/list", "container/ring", "context",
	"crypto/aes", "crypto/cipher", "crypto/ed25519", "crypto/hkdf",
	"crypto/hmac", "crypto/md5", "crypto/pbkdf2", "crypto/rand", "crypto/sha1",
	"crypto/sha256", "crypto/sha3", "crypto/sha512", "crypto/subtle",
	"encoding/ascii85", "encoding/asn1", "encoding/base32", "encoding/base64",
	"encoding/binary", "encoding/csv", "encoding/hex", "encoding/json",
	"encoding/pem", "encoding/xml", "errors", "flag", "fmt", "go/scanner",
	"go/token", "hash/adler32", "hash/crc32", "hash/crc64", "hash/fnv",
	"hash/maphash", "html", "html/template", "image", "image/color",
	"image/png", "index/suffixarray", "io", "io/fs", "iter", "log", "maps",
	"math", "math/big", "math/bits", "math/cmplx", "math/rand/v2", "mime",
	"net/url", "path", "path/filepath", "regexp", "regexp/syntax", "runtime",
	"slices", "sort", "strconv", "strings", "sync", "sync/atomic", "syscall",
	"text/tabwriter", "text/template", "text/template/parse", "time", "unicode",
	"unicode/utf16", "unicode/utf8", "unique",
}

// Only selects the tests of a package that run on bare metal, as a -run
// pattern, for packages whose tests are mostly about a hosted system. The
// runtime's tests that fit: clk's own (TestClk), the garbage collector,
// channels and select, finalizers and cleanups, maps, stack growth,
// deferred calls and panics, and preemption and scheduling. (Its other tests build and run helper
// programs, or need signals, cgo or a tracer; TestPreemptionAfterSyscall
// is left out for the reason rt/README.md gives.)
var Only = map[string]string{
	"runtime": "^(TestClk|TestGc|TestGC|TestChan|TestNonblock|TestSelect|TestSelf|TestMultiConsumer|" +
		"TestShrinkStack|TestNoShrink|TestPseudo|TestFinalizer|TestCleanup|TestWeak|TestMap|" +
		"TestStack|TestDefer|TestPanic|TestPreemption$|TestPreemptionGC|TestPreemptSplitBig|" +
		"TestAsyncPreempt|TestGoroutineParallelism|TestYield|TestTimerFairness|TestNumGoroutine|" +
		"TestPingPongHog|TestSched|TestStopTheWorld|TestMemoryLimit|TestReadMemStats|" +
		"TestUserForcedGC|TestPeriodicGC|TestIter|TestGrow|TestBigItems)",
}

// Skip lists tests that cannot run on bare metal, with the reason, for the
// few that do not skip themselves: top-level test names, or one subtest
// path (Test/sub/...) per package. They become the package's -skip pattern.
var Skip = map[string][]struct{ Test, Why string }{
	"path/filepath": {
		{"TestBug3486", "walks GOROOT/src/unicode, which the initrd does not hold"},
	},
}

// skipPattern returns the -skip pattern that skips tests, which are full
// test names as in Skip.
func skipPattern(pkg string, tests []string) string {
	quoted := make([]string, len(tests))
	for i, t := range tests {
		if strings.Contains(t, "/") {
			if len(tests) > 1 {
				panic("stdtest: " + pkg + ": a subtest must be the package's only Skip entry")
			}
			levels := strings.Split(t, "/")
			for j, l := range levels {
				levels[j] = "^" + regexp.QuoteMeta(l) + "$"
			}
			return strings.Join(levels, "/")
		}
		quoted[i] = regexp.QuoteMeta(t)
	}
	return "^(" + strings.Join(quoted, "|") + ")$"
}

// event is one line of test2json output.
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type result struct {
	pkg              string
	pass, fail, skip int
	elapsed          time.Duration
	status           string // ok, FAIL, or why the package did not run
	skips            map[string]string
	lastOutput       map[string]string
}

func main() {
	skips := flag.Bool("skips", false, "list skipped tests with their reasons")
	timeout := flag.Duration("timeout", 10*time.Minute, "per-package test timeout")
	full := flag.Bool("full", false, "run the tests without -short")
	mem := flag.String("mem", "", "guest memory, as QEMU's -m takes it (default: go_clk_amd64_exec's)")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = Packages
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stdtest:", err)
		os.Exit(2)
	}
	// Rows go out as packages finish: a whole run takes long under TCG.
	const row = "%-20s %6v %6v %6v %9v  %s\n"
	fmt.Printf(row, "package", "pass", "fail", "skip", "time", "status")
	var results []*result
	failed := false
	var tp, tf, ts int
	var tt time.Duration
	for _, pkg := range pkgs {
		r := run(root, pkg, *timeout, *full, *mem)
		results = append(results, r)
		failed = failed || r.status != "ok"
		fmt.Printf(row, r.pkg, r.pass, r.fail, r.skip, fmt.Sprintf("%.1fs", r.elapsed.Seconds()), r.status)
		tp, tf, ts, tt = tp+r.pass, tf+r.fail, ts+r.skip, tt+r.elapsed
	}
	fmt.Printf(row, fmt.Sprintf("%d packages", len(results)), tp, tf, ts, fmt.Sprintf("%.1fs", tt.Seconds()), "")
	if *skips {
		fmt.Println("\nskipped tests:")
		for _, r := range results {
			names := make([]string, 0, len(r.skips))
			for n := range r.skips {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				fmt.Printf("  %s.%s: %s\n", r.pkg, n, r.skips[n])
			}
		}
	}
	fmt.Printf("%d passed, %d failed, %d skipped\n", tp, tf, ts)
	if failed {
		os.Exit(1)
	}
}

func repoRoot() (string, error) {
	exe, err := filepath.Abs(".")
	if err != nil {
		return "", err
	}
	for dir := exe; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "scripts/clk-go")); err == nil {
			return dir, nil
		}
		if dir == filepath.Dir(dir) {
			return "", fmt.Errorf("run from inside the clk repository")
		}
	}
}

func run(root, pkg string, timeout time.Duration, full bool, mem string) *result {
	r := &result{pkg: pkg, status: "ok", skips: map[string]string{}, lastOutput: map[string]string{}}
	args := []string{"test", "-json", "-count=1", "-timeout", timeout.String()}
	if !full {
		args = append(args, "-short")
	}
	if re, ok := Only[pkg]; ok {
		args = append(args, "-run", re)
	}
	if skip := Skip[pkg]; len(skip) > 0 {
		names := make([]string, len(skip))
		for i, s := range skip {
			names[i] = s.Test
		}
		args = append(args, "-skip", skipPattern(pkg, names))
		for _, s := range skip {
			r.skips[s.Test] = "(stdtest) " + s.Why
		}
	}
	cmd := exec.Command(filepath.Join(root, "scripts/clk-go"), append(args, pkg)...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("CLK_EXEC_TIMEOUT=%d", int(timeout.Seconds())+60))
	if mem != "" {
		cmd.Env = append(cmd.Env, "CLK_QEMU_MEM="+mem)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		r.status = err.Error()
		return r
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.status = err.Error()
		return r
	}
	r.read(out)
	err = cmd.Wait()
	if r.elapsed == 0 {
		r.elapsed = time.Since(start)
	}
	if err != nil && r.status == "ok" {
		r.status = "FAIL"
		if r.pass+r.fail+r.skip == 0 {
			r.status = "did not run: " + firstLine(stderr.String())
		}
	}
	return r
}

func (r *result) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if e.Test == "" {
			if e.Action == "pass" || e.Action == "fail" {
				r.elapsed = time.Duration(e.Elapsed * float64(time.Second))
				if e.Action == "fail" {
					r.status = "FAIL"
				}
			}
			continue
		}
		if strings.Contains(e.Test, "/") {
			continue // count top-level tests only
		}
		switch e.Action {
		case "output":
			if s := strings.TrimSpace(e.Output); s != "" && !strings.HasPrefix(s, "---") && !strings.HasPrefix(s, "===") {
				r.lastOutput[e.Test] = s
			}
		case "pass":
			r.pass++
		case "fail":
			r.fail++
		case "skip":
			r.skip++
			r.skips[e.Test] = r.lastOutput[e.Test]
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
