package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEncodeKeepsOnlySafeBytes(t *testing.T) {
	for in, want := range map[string]string{
		"-test.run=^TestX$": "-test.run=%5ETestX%24",
		"a b":               "a%20b",
		"ü%":                "%C3%BC%25",
		"x=y,z/w:v+u._-":    "x=y,z/w:v+u._-",
		"\t\n":              "%09%0A",
	} {
		if got := encode(in); got != want {
			t.Errorf("encode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCommandLineRefusesWhatTheGuestCannotSee(t *testing.T) {
	t.Setenv("CLK_EXEC_ENV", "")
	if _, err := commandLine("b.elf", []string{"a", ""}, "/w", true); err == nil || statusOf(err) != statusUsage {
		t.Errorf("an empty argument: %v, want a usage error", err)
	}
	many := make([]string, maxStrings)
	for i := range many {
		many[i] = "x"
	}
	if _, err := commandLine("b.elf", many, "/w", true); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("%d arguments and PWD: %v, want too long", len(many), err)
	}
	if _, err := commandLine("b.elf", many[1:], "/w", false); err != nil {
		t.Errorf("%d strings: %v", maxStrings, err)
	}
}

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGuestFilesAreTheTestsFiles builds a module with a package directory
// and checks the list: the package's own files, not its subdirectories; its
// testdata tree and its parents' up to the module root, not beyond; no
// symbolic links.
func TestGuestFilesAreTheTestsFiles(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "mod")
	pkg := filepath.Join(root, "a", "b")
	for _, f := range []string{
		"testdata/outside", // above the module root: left out
		"mod/go.mod",
		"mod/testdata/rootdata",
		"mod/a/sibling.go", // a parent's file: left out
		"mod/a/b/b.go",
		"mod/a/b/b_test.go",
		"mod/a/b/sub/c.go", // a subdirectory: left out
		"mod/a/b/testdata/x/deep",
	} {
		write(t, filepath.Join(top, f))
	}
	if err := os.Symlink("b.go", filepath.Join(pkg, "link.go")); err != nil {
		t.Fatal(err)
	}
	got := guestFiles(pkg)
	slices.Sort(got)
	var want []string
	for _, f := range []string{"mod/a/b/b.go", "mod/a/b/b_test.go", "mod/a/b/testdata/x/deep", "mod/testdata/rootdata"} {
		want = append(want, strings.TrimPrefix(filepath.Join(top, f), "/"))
	}
	if !slices.Equal(got, want) {
		t.Errorf("guestFiles = %q,\nwant %q", got, want)
	}
}
