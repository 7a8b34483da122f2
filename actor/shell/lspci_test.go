package shell

import (
	"errors"
	"strings"
	"testing"
)

// devicesSystem is a machine with PCI functions; one has a driver bound.
type devicesSystem struct{ fakeSystem }

func (devicesSystem) PCIFunctions() []PCIFunction {
	return []PCIFunction{
		{Addr: "00:00.0", VendorID: 0x8086, DeviceID: 0x1237, Class: "host bridge"},
		{Addr: "00:04.0", VendorID: 0x1af4, DeviceID: 0x1005, Class: "other 00ff", Driver: "virtio-rng", Process: 12,
			Details: []string{"BAR0 I/O at 0xc0a0, 32 bytes", "interrupt: pin INTA, line 11"}},
	}
}

func TestLspciListsFunctions(t *testing.T) {
	s := newSessionOn(t, devicesSystem{})
	want := "" +
		"ADDR     ID         CLASS                DRIVER     PROCESS\n" +
		"00:00.0  8086:1237  host bridge          -          -\n" +
		"00:04.0  1af4:1005  other 00ff           virtio-rng 12\n"
	if got := s.command("lspci"); got != want {
		t.Errorf("lspci:\n%s\nwant\n%s", got, want)
	}
	got := s.command("lspci -v")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	wantLines := []string{
		"ADDR     ID         CLASS                DRIVER     PROCESS",
		"00:00.0  8086:1237  host bridge          -          -",
		"00:04.0  1af4:1005  other 00ff           virtio-rng 12",
		"         BAR0 I/O at 0xc0a0, 32 bytes",
		"         interrupt: pin INTA, line 11",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("lspci -v:\n%s\nwant\n%s", got, strings.Join(wantLines, "\n"))
	}
	if got := s.command("lspci | grep -c 8086:"); got != "1\n" {
		t.Errorf("lspci | grep -c 8086: = %q, want 1", got)
	}
	if got := s.command("lspci -x"); !strings.Contains(got, "unknown flag -x") {
		t.Errorf("lspci -x: %q", got)
	}
}

func TestLspciWithoutDevices(t *testing.T) {
	s := newSession(t)
	if got := s.command("lspci"); got != "lspci: this system lists no devices\n" {
		t.Errorf("lspci on a system without Devices: %q", got)
	}
}

// driversSystem records the drivers stopped and started.
type driversSystem struct {
	fakeSystem
	calls *[]string
}

func (d driversSystem) StopDriver(addr string) error {
	*d.calls = append(*d.calls, "stop "+addr)
	return nil
}

func (d driversSystem) StartDriver(addr, program string) error {
	if addr == "99:00.0" {
		return errors.New("no such function")
	}
	*d.calls = append(*d.calls, strings.TrimSpace("start "+addr+" "+program))
	return nil
}

func TestDriverStopsAndStartsThroughTheSystem(t *testing.T) {
	var calls []string
	s := newSessionOn(t, driversSystem{calls: &calls})
	s.command("driver stop 00:04.0")
	s.command("driver start 00:04.0")
	s.command("driver start 00:04.0 dmaprobe")
	s.command("driver stop 00:04.0 dmaprobe")
	if strings.Join(calls, ",") != "stop 00:04.0,start 00:04.0,start 00:04.0 dmaprobe" {
		t.Errorf("calls %q", calls)
	}
	if got := s.command("driver start 99:00.0"); !strings.Contains(got, "no such function") {
		t.Errorf("a failed start: %q", got)
	}
	if got := s.command("driver restart 00:04.0"); !strings.Contains(got, "usage") {
		t.Errorf("driver restart: %q", got)
	}
	if got := newSession(t).command("driver stop 00:04.0"); !strings.Contains(got, "cannot be stopped") {
		t.Errorf("driver on a system without DriverControl: %q", got)
	}
}
