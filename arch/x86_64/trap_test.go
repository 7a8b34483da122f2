package x86

import (
	"strings"
	"testing"
)

func TestDisassembleNamesTheFaultingDivide(t *testing.T) {
	// 48 f7 f1: div rcx, the instruction an integer divide by zero faults on.
	got, err := Disassemble([]byte{0x48, 0xf7, 0xf1, 0x90}, 0x1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "48 f7 f1") || !strings.Contains(got, "div") || !strings.Contains(got, "%rcx") {
		t.Errorf("Disassemble = %q, want the bytes and a div of %%rcx", got)
	}
}

func TestDisassembleReportsUndecodableBytes(t *testing.T) {
	if _, err := Disassemble(nil, 0x1000, nil); err == nil {
		t.Error("Disassemble of no bytes succeeded")
	}
}
