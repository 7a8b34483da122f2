package system

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// relayEnv, set in the environment of this test binary, makes it the
// relay QEMU runs for each connection the guest makes to qemu.GuestFwd:
// it copies its standard input and output to the loopback server the
// variable names.
const relayEnv = "CLK_SYSTEST_RELAY"

func TestMain(m *testing.M) {
	if addr := os.Getenv(relayEnv); addr != "" {
		if err := qemu.Relay(addr, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// relayScript writes a script that runs this test binary as the relay to
// the address QEMU gives it.
func relayScript(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "relay")
	script := "#!/bin/sh\n" + relayEnv + "=\"$1\" exec " + exe + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// freePort returns a TCP port of the host's loopback that was free a
// moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestKernelReachesTheNetworkAndServesHTTP boots clk with a disk and a
// network device on QEMU's user network (restrict=on), on pc and q35:
// the network service gets its address by DHCP, ping reaches QEMU's
// gateway, ifconfig shows the interface, fetch downloads a 4 MiB file
// from a server on the host's loopback through the guestfwd address, and
// httpd serves a 4 MiB file of the disk to the host's HTTP client
// through the hostfwd port, each with the right sha256.
func TestKernelReachesTheNetworkAndServesHTTP(t *testing.T) {
	for _, machine := range []string{"pc", "q35"} {
		t.Run(machine, func(t *testing.T) { networkSession(t, machine) })
	}
}

func networkSession(t *testing.T, machine string) {
	mkfs, mcopy := dosfstool(t, "mkfs.fat"), dosfstool(t, "mcopy")
	elf := artefact(t, "CLK_SYSTEST_ELF")
	initrd := artefact(t, "CLK_SYSTEST_INITRD")
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	served := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{2}).Read(served)
	local := filepath.Join(dir, "served.bin")
	if err := os.WriteFile(local, served, 0o644); err != nil {
		t.Fatal(err)
	}
	host(t, mcopy, "-i", img, local, "::/served.bin")

	fetched := make([]byte, 4<<20+777)
	rand.NewChaCha8([32]byte{3}).Read(fetched)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/file" {
			http.NotFound(w, r)
			return
		}
		w.Write(fetched)
	}))
	defer srv.Close()

	httpPort := freePort(t)
	devs, err := qemu.Devices{Disk: img, Net: true, HTTPPort: httpPort, HostServer: srv.Listener.Addr().String(), Relay: relayScript(t)}.Args()
	if err != nil {
		t.Fatal(err)
	}
	boot := qemu.PVH(machine, elf)
	boot.Args = append(boot.Args, "-initrd", initrd)
	m := startMachineWith(t, boot, diskLimits, qemu.Options{Args: devs, CPUs: 2})
	if _, err := m.Expect(qemu.Prompt, diskLimits.boot); err != nil {
		t.Fatalf("boot: %v", err)
	}
	up := regexp.MustCompile(`virtio-net: [0-9a-f:.]+: [0-9a-f:]{17}: 10\.0\.2\.[0-9]+/24`)
	mounted := regexp.MustCompile(`fatfs: mounted`)
	for try := 0; ; try++ {
		log := command(t, m, "dmesg", diskLimits)
		if up.MatchString(log) && mounted.MatchString(log) {
			break
		}
		if try == 120 {
			t.Fatalf("the network service got no address by DHCP, or the disk was not mounted:\n%s", log)
		}
		time.Sleep(250 * time.Millisecond)
	}
	// The first request also waits for ARP: on a loaded machine it may
	// miss its two seconds.
	if got := command(t, m, "ping -c 3 10.0.2.2", diskLimits); !regexp.MustCompile(`3 sent, [23] received`).MatchString(got) {
		t.Errorf("ping of QEMU's gateway: %q", got)
	}
	if got := command(t, m, "ifconfig", diskLimits); !regexp.MustCompile(`eth0: inet 10\.0\.2\.[0-9]+/24`).MatchString(got) || !strings.Contains(got, "ether ") {
		t.Errorf("ifconfig: %q", got)
	}
	url := "http://" + qemu.GuestFwd.String() + "/file"
	got := command(t, m, "fetch "+url+" /disk/fetched.bin", diskLimits)
	if want := sha256.Sum256(fetched); !strings.Contains(got, fmt.Sprintf("%d bytes", len(fetched))) || !strings.Contains(got, hex.EncodeToString(want[:])) {
		t.Errorf("fetch %s: %q, want %d bytes with sha256 %x", url, got, len(fetched), want)
	}
	if got := command(t, m, "sha256sum /disk/fetched.bin", diskLimits); !strings.HasPrefix(got, sha(fetched)) {
		t.Errorf("the fetched file on the disk: %q", got)
	}

	command(t, m, "httpd &", diskLimits)
	client := &http.Client{Timeout: 2 * time.Minute}
	var body []byte
	for try := 0; ; try++ {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/served.bin", httpPort))
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
			err = fmt.Errorf("%s, %v", resp.Status, err)
		}
		if try == 40 {
			t.Fatalf("GET from httpd: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if sha(body) != sha(served) {
		t.Errorf("httpd served %d bytes, sha256 %s; want %d, %s", len(body), sha(body), len(served), sha(served))
	}
	powerOff(t, m)
}
