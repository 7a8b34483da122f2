package system

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"clk/internal/qemu"
	"clk/suppolicy"
)

// supLimits allow for the supervisor's period (a second), the heartbeat
// rule (three missed heartbeats of a second each) and TCG.
var supLimits = limits{boot: 30 * time.Second, command: 60 * time.Second, shutdown: 30 * time.Second}

// supKey reads the supervisor's signing key that make modules built into
// the module, beside the kernel.
func supKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	elf := artefact(t, "CLK_SYSTEST_ELF")
	b, err := os.ReadFile(filepath.Join(filepath.Dir(elf), "keys", "sup.key"))
	if err != nil {
		t.Skipf("the supervisor's key beside the kernel (make build/initrd.cpio): %v", err)
	}
	_, rest, _ := bytes.Cut(b, []byte("\n"))
	seed, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(rest)))
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("sup.key: %v", err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// signedAction returns the hexadecimal of an action signed by key.
func signedAction(t *testing.T, key ed25519.PrivateKey, kind suppolicy.Kind, module string, seq uint64) string {
	t.Helper()
	a := suppolicy.Action{Kind: kind, Seq: seq, Time: time.Now(), Module: module, Reason: "from the test"}
	if err := a.Sign(key); err != nil {
		t.Fatal(err)
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// supBoot boots with a fresh disk (the audit log's) up to the mounted
// volume, with the supervisor started at boot.
func supBoot(t *testing.T) *qemu.Machine {
	t.Helper()
	mkfs := dosfstool(t, "mkfs.fat")
	img := filepath.Join(t.TempDir(), "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	return diskBoot(t, "pc", img)
}

// until runs line until its reply matches re, for at most limit.
func until(t *testing.T, m *qemu.Machine, line string, re *regexp.Regexp, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := command(t, m, line, supLimits)
		if re.MatchString(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q after %v, want %s", line, got, limit, re)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// modPID returns the PID mod list shows for module name.
func modPID(t *testing.T, m *qemu.Machine, name string) string {
	t.Helper()
	got := until(t, m, "mod list", regexp.MustCompile(`(?m)^`+name+`\s+\S+\s+active\s+[0-9]+\s`), time.Minute)
	return regexp.MustCompile(`(?m)^` + name + `\s+\S+\s+active\s+([0-9]+)\s`).FindStringSubmatch(got)[1]
}

// TestKernelSupervisorIsConfinedAndRestartsAHungModuleWhenEnforced boots clk
// with the supervisor module started at boot and checks: its process
// holds exactly its control channel, a metrics object it may only read
// and a channel it may only write (no device, memory or process handle);
// a module that stops answering its heartbeats gets an alert with its
// evidence, and in advisory mode nothing is done to it; in enforced
// mode (set from the console, audited) it is killed and restarted; the
// supervisor killed is itself restarted and the system goes on.
func TestKernelSupervisorIsConfinedAndRestartsAHungModuleWhenEnforced(t *testing.T) {
	supKey(t)
	m := supBoot(t)
	run := func(line string, want ...string) string {
		t.Helper()
		got := command(t, m, line, supLimits)
		for _, w := range want {
			if !regexp.MustCompile(w).MatchString(got) {
				t.Errorf("%s: %q, want %s", line, got, w)
			}
		}
		return got
	}
	sup := modPID(t, m, "sup")
	caps := run("caps "+sup,
		`(?m)^0x[0-9a-f]{8} channel\s+read write wait$`,
		`(?m)^0x[0-9a-f]{8} metrics\s+read$`,
		`(?m)^0x[0-9a-f]{8} channel\s+write wait$`)
	if n := len(regexp.MustCompile(`(?m)^0x`).FindAllString(caps, -1)); n != 3 {
		t.Errorf("caps %s: %d handles, want exactly 3:\n%s", sup, n, caps)
	}
	run("sup status", `(?m)^policy version 1, mode advisory$`, `(?m)^supervisor sup active pid `+sup+`, restarts 0$`)

	// Advisory: a hung module is found and only written about.
	run("mod install /modules/hang.clkm", `installed hang 1\.0\.0`)
	run("mod start hang", `hang: active`)
	hang := modPID(t, m, "hang")
	run("spawn hang", `^\[1\] `)
	run("send 1 1 hang")
	alerts := until(t, m, "sup alerts", regexp.MustCompile(`(?m)^#[0-9]+ .* hang tier 1 heartbeat .*-> restart: advisory`), 2*time.Minute)
	id := regexp.MustCompile(`(?m)^#([0-9]+) .* hang tier 1 heartbeat`).FindStringSubmatch(alerts)[1]
	run("sup explain "+id, `suggested restart; the kernel's decision: advisory`,
		`(?m)^evidence 1: tier 1 heartbeat: heartbeat_misses observed [0-9]+, baseline 3`)
	run("sup alerts --json", `"kind":"heartbeat"`, `"detector":"heartbeat"`)
	if got := modPID(t, m, "hang"); got != hang {
		t.Errorf("advisory mode: hang's instance changed from pid %s to %s", hang, got)
	}
	run("mod log", `(?m) sup-advisory hang restart seq `)

	// Enforced: a new instance hangs and is restarted.
	run("mod stop hang", `hang: stopped`)
	run("mod start hang", `hang: active`)
	hang = modPID(t, m, "hang")
	run("sup mode enforced", `mode enforced`)
	run("sup status", `(?m)^policy version 1, mode enforced$`)
	run("spawn hang", `^\[2\] `)
	run("send 2 1 hang")
	until(t, m, "mod log", regexp.MustCompile(`(?m) restart hang 1\.0\.0 pid [0-9]+ from`), 2*time.Minute)
	run("mod log", `(?m) sup-mode policy mode enforced, set by the console$`,
		`(?m) sup-allowed hang restart seq `, `(?m) kill hang 1\.0\.0 pid `+hang+`: restart asked: `, `(?m) sup-done hang restart seq `)
	if got := modPID(t, m, "hang"); got == hang {
		t.Errorf("enforced mode: hang still runs as pid %s", got)
	}

	// The supervisor killed: the system goes on and it is restarted.
	run("mod kill sup", `sup: killed, restarted by its policy`)
	if got := modPID(t, m, "sup"); got == sup {
		t.Errorf("the supervisor still runs as pid %s after mod kill", got)
	}
	run("sup status", `(?m)^supervisor sup active pid [0-9]+, restarts 1$`)
	run("mod list", `(?m)^kv\s+1\.0\.0\s+active\s`)
	powerOff(t, m)
}

// TestKernelRefusesBadSupervisorActionsAndAuditsThem hands the kernel's policy engine
// actions from the console: one signed by a key the policy does not
// name, one whose signature does not match it, a good one played twice
// and one the policy does not allow. Each bad one is refused with its
// cause and every decision is in the audit log.
func TestKernelRefusesBadSupervisorActionsAndAuditsThem(t *testing.T) {
	key := supKey(t)
	m := supBoot(t)
	run := func(line string, want ...string) string {
		t.Helper()
		got := command(t, m, line, supLimits)
		for _, w := range want {
			if !regexp.MustCompile(w).MatchString(got) {
				t.Errorf("%.60s: %q, want %s", line, got, w)
			}
		}
		return got
	}
	_, stranger, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	run("sup submit "+signedAction(t, stranger, suppolicy.Restart, "kv", uint64(time.Now().UnixNano())),
		`^refused: .*not the supervisor's`)
	forged, _ := hex.DecodeString(signedAction(t, key, suppolicy.Restart, "kv", uint64(time.Now().UnixNano())))
	forged[len(forged)-1] ^= 1
	run("sup submit "+hex.EncodeToString(forged), `^refused: .*signature`)

	good := signedAction(t, key, suppolicy.Alert, "kv", uint64(time.Now().UnixNano()))
	run("sup submit "+good, `^advisory\n$`)
	run("sup submit "+good, `^refused: sequence [0-9]+, last accepted [0-9]+: .*replay`)
	run("sup submit "+signedAction(t, key, suppolicy.Revoke, "kv", uint64(time.Now().UnixNano())), `^refused: revoke on kv: .*not allowed`)
	run("mod log", `(?m) sup-refused kv restart seq .*not the supervisor's$`, `(?m) sup-refused kv restart seq .*bad signature$`,
		`(?m) sup-advisory kv alert seq [0-9]+ alert 0 key [0-9a-f]+…: from the test$`,
		`(?m) sup-refused kv alert seq .*replayed or old sequence number$`, `(?m) sup-refused kv revoke seq .*not allowed by policy$`)
	run("mod list", `(?m)^kv\s+1\.0\.0\s+active\s`)
	powerOff(t, m)
}
