package klog

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestLinesAreStampedAndCopiedToTheConsole(t *testing.T) {
	var console bytes.Buffer
	l := New(4, func() time.Duration { return 1500 * time.Millisecond }, &console)
	l.Printf("acpi: %d tables", 5)
	fmt.Fprint(l, "uart: ")
	fmt.Fprint(l, "ready\nhalf")
	want := []string{"[    1.500000] acpi: 5 tables", "[    1.500000] uart: ready"}
	if got := l.Lines(); !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	if got := console.String(); got != "acpi: 5 tables\nuart: ready\nhalf" {
		t.Errorf("console %q", got)
	}
}

func TestOnlyTheNewestLinesAreKept(t *testing.T) {
	l := New(3, nil, nil)
	for i := range 5 {
		l.Printf("%d", i)
	}
	want := []string{"[    0.000000] 2", "[    0.000000] 3", "[    0.000000] 4"}
	if got := l.Lines(); !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}
