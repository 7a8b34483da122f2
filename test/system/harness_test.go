package system

import (
	"context"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

func TestExpectFailsInTimeWhenTheGuestHangs(t *testing.T) {
	elf := standIn(t)
	// The stand-in hangs when its command line ends in 'h'.
	m, err := qemu.Start(context.Background(), qemu.PVH("pc", elf), qemu.Options{Args: []string{"-append", "-- fake h"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	begin := time.Now()
	_, err = m.Expect(qemu.Prompt, 2*time.Second)
	if err == nil {
		t.Fatal("Expect found a prompt that the guest never printed")
	}
	if waited := time.Since(begin); waited > 10*time.Second {
		t.Errorf("Expect returned after %v, timeout 2s", waited)
	}
	done := make(chan struct{})
	go func() { m.Kill(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Kill did not end QEMU")
	}
}

func TestExpectReportsTheGuestsExit(t *testing.T) {
	elf := standIn(t)
	// The stand-in exits with status 3, QEMU with (3 << 1) | 1.
	m, err := qemu.Start(context.Background(), qemu.PVH("pc", elf), qemu.Options{Args: []string{"-append", "-- fake 3"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	_, err = m.Expect(qemu.Prompt, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited with status 7") {
		t.Errorf("Expect error = %v, want one that reports exit status 7", err)
	}
	if status, err := m.Wait(time.Second); err != nil || status != 7 {
		t.Errorf("Wait = %d, %v; want 7, nil", status, err)
	}
}

func TestMachineIsKilledAtItsTimeout(t *testing.T) {
	elf := standIn(t)
	m, err := qemu.Start(context.Background(), qemu.PVH("pc", elf), qemu.Options{
		Timeout: 2 * time.Second,
		Args:    []string{"-append", "-- fake h"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Kill()
	if _, err := m.Wait(20 * time.Second); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Wait error = %v, want one that says QEMU was killed", err)
	}
}
