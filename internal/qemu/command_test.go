package qemu

import (
	"slices"
	"strings"
	"testing"
)

// option returns the value after flag in args, and whether flag is there.
func option(args []string, flag string) (string, bool) {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return "", false
	}
	return args[i+1], true
}

func TestCommandHasTheMachineEveryToolShares(t *testing.T) {
	t.Setenv("CLK_QEMU_MEM", "")
	t.Setenv("CLK_QEMU_ACCEL", "")
	args := Command{Boot: PVH("pc", "k.elf")}.Args()
	want := map[string]string{
		"-M": "pc", "-cpu": "max", "-accel": "tcg", "-m": "512M", "-smp": "1",
		"-display": "none", "-serial": "stdio", "-monitor": "none",
		"-device": DebugExitDevice, "-kernel": "k.elf",
	}
	for flag, v := range want {
		if got, ok := option(args, flag); !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q in %q", flag, got, ok, v, args)
		}
	}
	if !slices.Contains(args, "-no-reboot") {
		t.Errorf("no -no-reboot in %q: a triple fault would reset the guest", args)
	}
	for _, flag := range []string{"-qmp", "-S", "-action", "-d", "-D", "-initrd", "-append"} {
		if slices.Contains(args, flag) {
			t.Errorf("%s in %q without being asked for", flag, args)
		}
	}
}

func TestCommandTakesDefaultsFromTheEnvironment(t *testing.T) {
	t.Setenv("CLK_QEMU_MEM", "2G")
	t.Setenv("CLK_QEMU_ACCEL", "kvm")
	args := Command{Boot: BIOS("c.iso")}.Args()
	if m, _ := option(args, "-m"); m != "2G" {
		t.Errorf("-m %q, want CLK_QEMU_MEM's 2G", m)
	}
	if a, _ := option(args, "-accel"); a != "kvm" {
		t.Errorf("-accel %q, want CLK_QEMU_ACCEL's kvm", a)
	}
	args = Command{Boot: BIOS("c.iso"), Memory: "1G", Accel: "tcg", CPUs: 4}.Args()
	for flag, v := range map[string]string{"-m": "1G", "-accel": "tcg", "-smp": "4", "-cdrom": "c.iso", "-boot": "d"} {
		if got, _ := option(args, flag); got != v {
			t.Errorf("%s %q, want %q", flag, got, v)
		}
	}
}

func TestCommandVariants(t *testing.T) {
	c := Command{
		Boot:        Kernel("clk", MicrovmMachine, "k.elf", "i.cpio", "clk.run=ipcbench"),
		Console:     Terminal,
		Display:     "gtk",
		QMP:         "/tmp/a,b/qmp.sock",
		Paused:      true,
		PauseOnStop: true,
		Log:         "/tmp/qemu.log",
		Extra:       []string{"-s", "-S"},
	}
	args := c.Args()
	want := map[string]string{
		"-M": MicrovmMachine, "-serial": "mon:stdio", "-display": "gtk",
		"-qmp": "unix:/tmp/a,,b/qmp.sock,server=on,wait=off", "-action": "shutdown=pause",
		"-d": LogItems, "-D": "/tmp/qemu.log",
		"-initrd": "i.cpio", "-append": "clk.run=ipcbench",
	}
	for flag, v := range want {
		if got, ok := option(args, flag); !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q", flag, got, ok, v)
		}
	}
	if !slices.Contains(args, "-S") {
		t.Errorf("no -S in %q for a paused start", args)
	}
	if slices.Contains(args, "-monitor") {
		t.Errorf("-monitor in %q: the terminal console multiplexes the monitor", args)
	}
	if !slices.Equal(args[len(args)-2:], []string{"-s", "-S"}) {
		t.Errorf("extra arguments not last: %q", args)
	}
}

func TestCommandStringQuotesForAShell(t *testing.T) {
	t.Setenv("CLK_QEMU", "qemu-system-x86_64")
	s := Command{Boot: Kernel("clk", "pc", "k.elf", "", "a b")}.String()
	if !strings.HasPrefix(s, "qemu-system-x86_64 -M pc ") || !strings.HasSuffix(s, "-append 'a b'") {
		t.Errorf("String() = %q", s)
	}
}

func TestGuestStatus(t *testing.T) {
	for _, tt := range []struct {
		qemu, guest int
		ok          bool
	}{{0, 0, false}, {1, 0, true}, {7, 3, true}, {255, 127, true}, {2, 0, false}, {-1, 0, false}} {
		if g, ok := GuestStatus(tt.qemu); g != tt.guest || ok != tt.ok {
			t.Errorf("GuestStatus(%d) = %d, %v; want %d, %v", tt.qemu, g, ok, tt.guest, tt.ok)
		}
	}
}
