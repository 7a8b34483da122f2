package system

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"clk/internal/qemu"
)

// fetchTimeout is the kernel's bound on a fetch in
// TestKernelInstallsModulesOverHTTP (clk.fetch-timeout): far beyond what
// a module of 2 MiB takes on a loaded machine under TCG (with 5 s, one
// run in three timed out), and well inside the test's wait for a
// command, so that the server that never answers is what times out.
const fetchTimeout = "30s"

// TestKernelInstallsModulesOverHTTP boots clk on QEMU's user network
// (restrict=on) with a server on the host's loopback behind the
// guestfwd address, and has mod install and mod replace fetch module
// files from it: kv 1.0.0 installed from a URL, then replaced by 2.0.0
// from a URL under a client whose values survive; a byte-flipped file
// refused as a bad signature; a missing one and a redirect refused with
// their HTTP status; a port nobody listens on refused as a refused connection; a
// body declared larger than a module can be refused as too large; and a
// server that never answers refused once the fetch times out.
func TestKernelInstallsModulesOverHTTP(t *testing.T) {
	elf := artefact(t, "CLK_SYSTEST_ELF")
	initrd := artefact(t, "CLK_SYSTEST_INITRD")
	files := map[string][]byte{}
	for _, name := range []string{"kv1.clkm", "kv2.clkm"} {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(elf), "modules", name))
		if err != nil {
			t.Skipf("the module files beside the kernel (make build/initrd.cpio): %v", err)
		}
		files["/"+name] = b
	}
	flipped := bytes.Clone(files["/kv1.clkm"])
	flipped[len(flipped)/2] ^= 0x40
	files["/flipped.clkm"] = flipped

	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/huge.clkm":
			// More than a module file can be: the fetcher must refuse
			// it from the header, before a byte of the body.
			w.Header().Set("Content-Length", strconv.Itoa(128<<20))
			w.WriteHeader(http.StatusOK)
			return
		case "/moved.clkm":
			http.Redirect(w, r, "/kv2.clkm", http.StatusFound)
			return
		case "/silent.clkm":
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	defer close(stop)

	devs, err := qemu.Devices{Net: true, HostServer: srv.Listener.Addr().String(), Relay: relayScript(t)}.Args()
	if err != nil {
		t.Fatal(err)
	}
	boot := qemu.Kernel("PVH, -M pc", "pc", elf, initrd, "clk.fetch-timeout="+fetchTimeout)
	m := startMachineWith(t, boot, modulesLimits, qemu.Options{Args: devs, CPUs: 2})
	if _, err := m.Expect(qemu.Prompt, modulesLimits.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	waitForLog(t, m, regexp.MustCompile(`virtio-net: [0-9a-f:.]+: [0-9a-f:]{17}: 10\.0\.2\.[0-9]+/24`), "the network service got no address by DHCP")

	run := func(line string, want ...string) string {
		t.Helper()
		got := command(t, m, line, modulesLimits)
		for _, w := range want {
			if !regexp.MustCompile(w).MatchString(got) {
				t.Errorf("%s: %q, want %s", line, got, w)
			}
		}
		return got
	}
	base := "http://" + qemu.GuestFwd.String()
	run("mod install "+base+"/kv1.clkm", `(?m)^installed kv 1\.0\.0 signed by [0-9a-f]{32}$`)
	run("spawn kv", `^\[1\] `)
	run("send 1 put fruit apple")
	run("recv 1", `^ok\n$`)
	run("mod replace kv "+base+"/kv2.clkm", `(?m)^installed kv 2\.0\.0 signed by [0-9a-f]{32}; kv 2\.0\.0 serves \(pid [0-9]+\)$`)
	run("send 1 get fruit")
	run("recv 1", `^apple\n$`)
	run("mod list", `(?m)^kv\s+2\.0\.0\s+active\s`)

	run("mod install "+base+"/flipped.clkm", `(?m)^mod: `+regexp.QuoteMeta(base)+`/flipped\.clkm: install: .*bad signature`)
	run("mod install "+base+"/missing.clkm", `(?m)^mod: fetch `+regexp.QuoteMeta(base)+`/missing\.clkm: HTTP status: 404 Not Found$`)
	run("mod replace kv "+base+"/missing.clkm", `HTTP status: 404 Not Found`)
	run("mod install "+base+"/moved.clkm", `(?m)^mod: fetch `+regexp.QuoteMeta(base)+`/moved\.clkm: HTTP status: 302 Found$`)
	run("mod install http://10.0.2.100:8001/kv1.clkm", `(?m)^mod: fetch http://10\.0\.2\.100:8001/kv1\.clkm: connection refused: `)
	run("mod install "+base+"/huge.clkm", `(?m): too large: 134217728 bytes, the limit is [0-9]+$`)
	run("mod install "+base+"/silent.clkm", `(?m): timed out: no complete answer in `+fetchTimeout+`$`)
	run("mod install ftp://10.0.2.100/kv1.clkm", `not an http:// URL`)
	// None of the refusals touched the module that serves.
	run("mod list", `(?m)^kv\s+2\.0\.0\s+active\s`)
	run("send 1 get fruit")
	run("recv 1", `^apple\n$`)
	run("mod log", `(?m) fetch `+regexp.QuoteMeta(base)+`/kv2\.clkm `+strconv.Itoa(len(files["/kv2.clkm"]))+` bytes, sha256 `+sha(files["/kv2.clkm"])+`$`,
		`(?m) install kv 2\.0\.0$`, `(?m) replace kv `, `(?m) refused kv .*bad signature`)
	// Every fetcher has ended, the one that timed out included.
	if got := run("ps"); strings.Contains(got, "modfetch") {
		t.Errorf("a fetcher outlived its fetch:\n%s", got)
	}
	powerOff(t, m)
}
