package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// repoRuntime is the runtime port's directory, seen from this package.
var repoRuntime = filepath.Join("..", "..", runtimeDir)

func TestCheckedInStubsAreCurrent(t *testing.T) {
	c, err := readConsts(repoRuntime, vectorConsts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(repoRuntime, outFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go run ./scripts/mkvectors from the repository root", filepath.Join(runtimeDir, outFile))
	}
}

// stubs returns the generated stubs, one string per vector, each the
// lines after its PCALIGN.
func stubs(t *testing.T, c map[string]int) []string {
	t.Helper()
	src, err := generate(c)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(src), "\tPCALIGN\t")
	return parts[1:]
}

func TestEveryVectorHasAStubThatPushesIt(t *testing.T) {
	c, err := readConsts(repoRuntime, vectorConsts)
	if err != nil {
		t.Fatal(err)
	}
	s := stubs(t, c)
	if len(s) != numVectors {
		t.Fatalf("%d stubs, want %d", len(s), numVectors)
	}
	for v, body := range s {
		if !strings.Contains(body, "// PUSHQ $"+strconv.Itoa(v)+"\n") {
			t.Errorf("stub %d does not push its vector:\n%s", v, body)
		}
	}
	// The page fault brings its error code, the timer none.
	if strings.Contains(s[14], "PUSHQ $0\n") {
		t.Errorf("the page fault's stub pushes a zero error code over the CPU's:\n%s", s[14])
	}
	if !strings.Contains(s[32], "PUSHQ $0\n") || !strings.Contains(s[32], "clkTickEntry") {
		t.Errorf("the timer's stub does not push a zero error code and go to clkTickEntry:\n%s", s[32])
	}
}

func TestAStubLargerThanTheStrideIsRefused(t *testing.T) {
	c, err := readConsts(repoRuntime, vectorConsts)
	if err != nil {
		t.Fatal(err)
	}
	c["clkVecStride"] = 8
	if _, err := generate(c); err == nil {
		t.Error("generate accepted 12-byte stubs 8 bytes apart")
	}
}
