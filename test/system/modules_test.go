package system

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
	"clk/kernel/audit"
)

// modulesLimits allow for a replacement under TCG: a new instance
// started, its state imported and its probation lived through.
var modulesLimits = limits{boot: 30 * time.Second, command: 60 * time.Second, shutdown: 30 * time.Second}

// bootStarted matches the kernel's log line once it has started the
// modules of /etc/modules.conf, which on a machine with a disk wait for
// the disk to be mounted and its version floor checked.
var bootStarted = regexp.MustCompile(`modules: [0-9]+ of the [0-9]+ module\(s\) of /etc/modules\.conf started`)

// modulesBoot boots the kernel with img as its disk and waits for the
// modules started at boot.
func modulesBoot(t *testing.T, machine, img string) *qemu.Machine {
	t.Helper()
	m := diskBoot(t, machine, img)
	waitForLog(t, m, bootStarted, "the modules of /etc/modules.conf were not started")
	return m
}

// unsigned returns a module file with its signatures removed.
func unsigned(t *testing.T, b []byte) []byte {
	t.Helper()
	le := binary.LittleEndian
	m := int(le.Uint32(b[8:]))
	e := int(le.Uint32(b[12+m:]))
	out := bytes.Clone(b[:16+m+e])
	out = le.AppendUint32(out, 2)
	return le.AppendUint16(out, 0)
}

// TestKernelHotSwapsASignedModule boots clk with the kv module started at
// boot and drives the module manager from the prompt: a client of the kv
// service puts values, kv is replaced by version 2 while the client
// lives, the values come back (with version 2's revisions), an unsigned
// module, a byte-flipped one and a rollback to version 1 are refused with
// their causes, a revoke gives the client a clean error, and the audit
// log, on the disk, verifies on the host and holds every event.
func TestKernelHotSwapsASignedModule(t *testing.T) {
	elf := artefact(t, "CLK_SYSTEST_ELF")
	mkfs, mcopy := dosfstool(t, "mkfs.fat"), dosfstool(t, "mcopy")
	kv1, err := os.ReadFile(filepath.Join(filepath.Dir(elf), "modules", "kv1.clkm"))
	if err != nil {
		t.Skipf("the module files beside the kernel (make build/initrd.cpio): %v", err)
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	flipped := bytes.Clone(kv1)
	flipped[len(flipped)/2] ^= 0x40
	for name, data := range map[string][]byte{"unsigned.clkm": unsigned(t, kv1), "flipped.clkm": flipped} {
		local := filepath.Join(dir, name)
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
		host(t, mcopy, "-i", img, local, "::/"+name)
	}

	m := modulesBoot(t, "pc", img)
	l := modulesLimits
	run := func(line string, want ...string) string {
		t.Helper()
		got := command(t, m, line, l)
		for _, w := range want {
			if !regexp.MustCompile(w).MatchString(got) {
				t.Errorf("%s: %q, want %s", line, got, w)
			}
		}
		return got
	}
	run("mod list", `(?m)^kv\s+1\.0\.0\s+active\s+[0-9]+\s+[0-9a-f]{32}\s+memory=32M threads=8 provides=kv$`)
	run("spawn kv", `^\[1\] `)
	run("send 1 put fruit apple")
	run("send 1 put colour deep blue")
	run("recv 1", `^ok\n$`)
	run("recv 1", `^ok\n$`)
	run("mod replace kv /modules/kv2.clkm", `installed kv 2\.0\.0 signed by [0-9a-f]{32}; kv 2\.0\.0 serves \(pid [0-9]+\)`)
	run("send 1 get fruit")
	run("recv 1", `^apple\n$`)
	run("send 1 get colour")
	run("recv 1", `^deep blue\n$`)
	// Version 2 counts writes; it took version 1's keys at revision 1.
	run("send 1 put fruit pear")
	run("send 1 rev fruit")
	run("recv 1", `^ok\n$`)
	run("recv 1", `^2\n$`)
	run("mod list", `(?m)^kv\s+2\.0\.0\s+active\s+[0-9]+\s`)

	run("mod install /disk/unsigned.clkm", `module is unsigned`)
	run("mod install /disk/flipped.clkm", `bad signature`)
	run("mod install /modules/kv1.clkm", `version lower than installed \(rollback\)`)

	run("mod revoke kv", `^kv: revoked\n$`)
	run("send 1 get fruit")
	run("recv 1", `^error: service gone: `)
	run("recv 1", `EOF`)
	run("mod list", `(?m)^kv\s+\S*\s+revoked\s+-\s`)
	log := run("mod log",
		`(?m) install kv 1\.0\.0$`, `(?m) activate kv 1\.0\.0 pid [0-9]+$`,
		`(?m) install kv 2\.0\.0$`, `(?m) replace kv `,
		`(?m) refused kv .*module is unsigned`, `(?m) refused kv .*bad signature`, `(?m) refused kv .*rollback`,
		`(?m) revoke kv`)
	powerOff(t, m)

	// The log on the disk verifies and holds what mod log showed.
	local := filepath.Join(dir, "audit.log")
	host(t, mcopy, "-i", img, "::/audit.log", local)
	f, err := os.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []string
	s, err := audit.Verify(f, audit.Options{}, func(r audit.Record) { events = append(events, r.Event+" "+r.Subject) })
	if err != nil {
		t.Fatalf("the audit log on the disk: %v", err)
	}
	if n := strings.Count(log, "\n"); int(s.Records) != n {
		t.Errorf("the audit log on the disk has %d records, mod log showed %d:\n%s", s.Records, n, log)
	}
	if !strings.Contains(strings.Join(events, ","), "revoke kv") {
		t.Errorf("the audit log on the disk: %v", events)
	}
}

// swapsUnderLoad is how many times TestKernelHotSwapsUnderARing3Client
// replaces kv: enough to catch a lost message, few enough for TCG (the
// host test, in modules/kv, replaces it 100 times).
const swapsUnderLoad = 24

// TestKernelHotSwapsUnderARing3Client replaces kv swapsUnderLoad times,
// reloading version 1, then upgrading to version 2 and reloading it,
// while a ring-3 program with its own channel to the service (run -s kv
// kvload) appends sequence numbers without pause; between replacements
// the client has gone on sending, and at its end it reads back every
// number once and in order. mod log shows every replacement.
func TestKernelHotSwapsUnderARing3Client(t *testing.T) {
	mkfs := dosfstool(t, "mkfs.fat")
	img := filepath.Join(t.TempDir(), "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	m := modulesBoot(t, "pc", img)
	l := modulesLimits
	run := func(line string, want string) string {
		t.Helper()
		got := command(t, m, line, l)
		if !regexp.MustCompile(want).MatchString(got) {
			t.Fatalf("%s: %q, want %s", line, got, want)
		}
		return got
	}
	run("spawn run -s kv kvload", `^\[1\] `)
	appended := regexp.MustCompile(`^appended ([0-9]+)\n$`)
	// sent waits until the client has sent more than before, asking it
	// as often as it takes: every replacement happens under load.
	var last uint64
	sent := func() {
		t.Helper()
		for try := 0; ; try++ {
			command(t, m, "send 1 count", l)
			got := command(t, m, "recv 1 30s", l)
			sm := appended.FindStringSubmatch(got)
			if sm == nil {
				t.Fatalf("recv 1: %q, want appended N", got)
			}
			n, _ := strconv.ParseUint(sm[1], 10, 64)
			if n > last {
				last = n
				return
			}
			if try == 100 {
				t.Fatalf("the client sent nothing more than %d", last)
			}
		}
	}
	sent()
	for i := range swapsUnderLoad {
		file, ver := "/modules/kv1.clkm", `1\.0\.0`
		if i >= swapsUnderLoad/2 {
			file, ver = "/modules/kv2.clkm", `2\.0\.0`
		}
		run("mod replace kv "+file, `installed kv `+ver+` signed by [0-9a-f]{32}; kv `+ver+` serves \(pid [0-9]+\)`)
		sent()
	}
	run("mod replace kv /modules/kv1.clkm", `version lower than installed \(rollback\)`)
	run("close 1", `^$`)
	verdict := run("recv 1 60s", `^kvload: [0-9]+ appended, [0-9]+ read back: 0 lost, 0 duplicated, 0 reordered\n$`)
	t.Logf("%s", strings.TrimSpace(verdict))
	run("recv 1", `EOF`)
	log := run("mod log", ` replace kv `)
	if n := len(regexp.MustCompile(`(?m) replace kv `).FindAllString(log, -1)); n != swapsUnderLoad {
		t.Errorf("mod log shows %d replacements, want %d:\n%s", n, swapsUnderLoad, log)
	}
	powerOff(t, m)
}

// TestKernelKeepsTheVersionFloorAcrossReboots installs kv 2.0.0, reboots
// with the same disk and tries kv 1.0.0: refused as a rollback, the
// floor read back from /disk/modules.versions. kv 1.0.0 of the image's
// modules.conf, which the kernel starts once the disk is mounted, is
// refused too, and the kernel log and the audit log say so.
func TestKernelKeepsTheVersionFloorAcrossReboots(t *testing.T) {
	mkfs, mcopy := dosfstool(t, "mkfs.fat"), dosfstool(t, "mcopy")
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	l := modulesLimits
	run := func(m *qemu.Machine, line string, want string) {
		t.Helper()
		if got := command(t, m, line, l); !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("%s: %q, want %s", line, got, want)
		}
	}

	m := modulesBoot(t, "pc", img)
	run(m, "mod list", `(?m)^kv\s+1\.0\.0\s+active\s`)
	run(m, "mod install /modules/kv2.clkm", `(?m)^installed kv 2\.0\.0 signed by `)
	powerOff(t, m)
	local := filepath.Join(dir, "modules.versions")
	host(t, mcopy, "-i", img, "::/modules.versions", local)
	if b, err := os.ReadFile(local); err != nil || !kvFloor.Match(b) {
		t.Errorf("modules.versions on the disk: %q, %v; want a line kv 2.0.0", b, err)
	}

	m = modulesBoot(t, "pc", img)
	run(m, "dmesg", `modules: start /modules/kv1\.clkm: /modules/kv1\.clkm: install: module kv: version lower than installed \(rollback\): version 1\.0\.0, 2\.0\.0 installed before`)
	// Every boot module but kv starts: the supervisor among them.
	counts := regexp.MustCompile(`modules: (\d+) of the (\d+) module\(s\) of /etc/modules\.conf started`).FindStringSubmatch(command(t, m, "dmesg", l))
	if counts == nil {
		t.Errorf("dmesg: no count of the boot modules started")
	} else if started, all := atoi(t, counts[1]), atoi(t, counts[2]); started != all-1 {
		t.Errorf("dmesg: %d of %d boot modules started, want all but kv", started, all)
	}
	if got := command(t, m, "mod list", l); regexp.MustCompile(`(?m)^kv\s.*\sactive\s`).MatchString(got) {
		t.Errorf("kv active after its boot module was refused:\n%s", got)
	}
	run(m, "mod install /modules/kv1.clkm", `version lower than installed \(rollback\): version 1\.0\.0, 2\.0\.0 installed before`)
	run(m, "mod install /modules/kv2.clkm", `(?m)^installed kv 2\.0\.0 signed by `)
	run(m, "mod start kv", `^kv: active\n$`)
	run(m, "mod log", `(?m) refused kv .*rollback`)
	powerOff(t, m)
}

// TestKernelChecksTheVersionFloorAgainstTheAuditLog raises kv's floor to
// 2.0.0, which the audit log's chain records, then lowers
// /disk/modules.versions to 1.0.0 on the host and reboots: the kernel
// finds the file at odds with the chain, says so in its log and in the
// audit log, keeps 2.0.0 (kv 1.0.0 of the image and at the prompt are
// refused) and writes 2.0.0 back. With the file deleted it is rebuilt
// from the chain. The audit log verifies on the host throughout, with
// the floor's records in it.
func TestKernelChecksTheVersionFloorAgainstTheAuditLog(t *testing.T) {
	mkfs, mcopy, mdel := dosfstool(t, "mkfs.fat"), dosfstool(t, "mcopy"), dosfstool(t, "mdel")
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	l := modulesLimits
	run := func(m *qemu.Machine, line string, want ...string) {
		t.Helper()
		got := command(t, m, line, l)
		for _, w := range want {
			if !regexp.MustCompile(w).MatchString(got) {
				t.Errorf("%s: %q, want %s", line, got, w)
			}
		}
	}
	versions := func() string {
		t.Helper()
		local := filepath.Join(dir, "modules.versions")
		os.Remove(local)
		host(t, mcopy, "-i", img, "::/modules.versions", local)
		b, err := os.ReadFile(local)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// events returns the audit log's records on the disk as "EVENT
	// SUBJECT DETAIL" lines, after checking that it verifies.
	events := func() string {
		t.Helper()
		local := filepath.Join(dir, "audit.log")
		os.Remove(local)
		host(t, mcopy, "-i", img, "::/audit.log", local)
		f, err := os.Open(local)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out strings.Builder
		if _, err := audit.Verify(f, audit.Options{}, func(r audit.Record) { out.WriteString(r.Event + " " + r.Subject + " " + r.Detail + "\n") }); err != nil {
			t.Fatalf("the audit log on the disk: %v", err)
		}
		return out.String()
	}
	refusedAtBoot := `modules: start /modules/kv1\.clkm: .*version lower than installed \(rollback\)`

	m := modulesBoot(t, "pc", img)
	run(m, "mod install /modules/kv2.clkm", `^installed kv 2\.0\.0 signed by `)
	powerOff(t, m)
	if got := events(); !regexp.MustCompile(`(?m)^floor kv 1\.0\.0\n(.*\n)*floor kv 2\.0\.0$`).MatchString(got) {
		t.Errorf("the audit log has not the floor's rises to 1.0.0 and 2.0.0:\n%s", got)
	}

	// Whoever can write the disk lowers the file.
	lowered := filepath.Join(dir, "lowered")
	if err := os.WriteFile(lowered, []byte("kv 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host(t, mcopy, "-o", "-i", img, lowered, "::/modules.versions")
	m = modulesBoot(t, "pc", img)
	run(m, "dmesg",
		`modules: /disk/modules\.versions disagrees with the audit log: kv: the file says 1\.0\.0, the audit log 2\.0\.0; 2\.0\.0 kept`,
		refusedAtBoot)
	run(m, "mod install /modules/kv1.clkm", `version lower than installed \(rollback\): version 1\.0\.0, 2\.0\.0 installed before`)
	run(m, "mod log", `(?m) floor-mismatch kv kv: the file says 1\.0\.0, the audit log 2\.0\.0; 2\.0\.0 kept$`, `(?m) refused kv .*rollback`)
	powerOff(t, m)
	if got := versions(); !kvFloor.MatchString(got) {
		t.Errorf("modules.versions after the reboot: %q, want a line kv 2.0.0", got)
	}
	if got := events(); !strings.Contains(got, "floor-mismatch kv ") {
		t.Errorf("the audit log on the disk has no floor-mismatch record:\n%s", got)
	}

	// Without the file, the chain alone holds the floor.
	host(t, mdel, "-i", img, "::/modules.versions")
	m = modulesBoot(t, "pc", img)
	run(m, "dmesg",
		`modules: /disk/modules\.versions disagrees with the audit log: kv: the file says none, the audit log 2\.0\.0; 2\.0\.0 kept`,
		refusedAtBoot)
	powerOff(t, m)
	if got := versions(); !kvFloor.MatchString(got) {
		t.Errorf("modules.versions rebuilt: %q, want a line kv 2.0.0", got)
	}
}

// TestKernelSignsItsAuditLogWithABootKey boots twice with one disk: each
// boot prints a checkpoint key of its own, names it in the audit log and
// signs checkpoints with it, the last at shutdown. On the host, each
// boot's key as the console showed it pins the records up to the end of
// that boot, and a key neither boot printed is refused.
func TestKernelSignsItsAuditLogWithABootKey(t *testing.T) {
	mkfs, mcopy := dosfstool(t, "mkfs.fat"), dosfstool(t, "mcopy")
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	host(t, mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, "524288")
	keyRe := regexp.MustCompile(`audit: checkpoint key of this boot: ([0-9a-f]{64})`)
	bootKey := func(m *qemu.Machine) ed25519.PublicKey {
		t.Helper()
		sm := keyRe.FindStringSubmatch(waitForLog(t, m, keyRe, "the kernel printed no checkpoint key"))
		k, err := hex.DecodeString(sm[1])
		if err != nil {
			t.Fatal(err)
		}
		return ed25519.PublicKey(k)
	}
	verify := func(key ed25519.PublicKey) (audit.Summary, error) {
		t.Helper()
		local := filepath.Join(dir, "audit.log")
		os.Remove(local)
		host(t, mcopy, "-i", img, "::/audit.log", local)
		f, err := os.Open(local)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return audit.Verify(f, audit.Options{Key: key}, nil)
	}

	m := modulesBoot(t, "pc", img)
	k1 := bootKey(m)
	if got := command(t, m, "mod install /modules/kv2.clkm", modulesLimits); !strings.Contains(got, "installed kv 2.0.0") {
		t.Errorf("mod install: %q", got)
	}
	powerOff(t, m)
	s, err := verify(k1)
	if err != nil {
		t.Fatalf("the audit log pinned to the first boot's key: %v", err)
	}
	first := s.Records
	if s.Pinned.Seq != first || first < 4 {
		t.Errorf("the first boot's key signs records 1 to %d of %d; want all, at shutdown", s.Pinned.Seq, first)
	}

	m = modulesBoot(t, "pc", img)
	k2 := bootKey(m)
	powerOff(t, m)
	if bytes.Equal(k1, k2) {
		t.Fatalf("two boots printed the same key %x", []byte(k1))
	}
	s, err = verify(k2)
	if err != nil {
		t.Fatalf("the audit log pinned to the second boot's key: %v", err)
	}
	if len(s.Keys) != 2 || !bytes.Equal(s.Keys[0], k1) || !bytes.Equal(s.Keys[1], k2) || s.Pinned.Seq != s.Records || s.Records <= first {
		t.Errorf("after the second boot: keys %x, records 1 to %d of %d pinned", s.Keys, s.Pinned.Seq, s.Records)
	}
	if s, err := verify(k1); err != nil || s.Pinned.Seq != first {
		t.Errorf("the first boot's key after the second boot: records 1 to %d pinned, %v; want 1 to %d", s.Pinned.Seq, err, first)
	}
	other := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	if _, err := verify(other); !errors.Is(err, audit.ErrKeyMismatch) {
		t.Errorf("a key no boot printed: %v, want a key mismatch", err)
	}
}

// kvFloor matches kv's line in a modules.versions file, beside the
// lines of the other modules the boots started.
var kvFloor = regexp.MustCompile(`(?m)^kv 2\.0\.0$`)

// atoi is strconv.Atoi for numbers a pattern of digits matched.
func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}
