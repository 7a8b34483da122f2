package license

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's top directory, two levels up from here.
const root = "../.."

// kinds are the licences the project may ship, each known by phrases its
// text holds; the first whose phrases all occur names a file's licence.
var kinds = []struct {
	name    string
	phrases []string
}{
	{"Apache-2.0", []string{"Apache License", "Version 2.0, January 2004", "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"}},
	{"BSD-3-Clause", []string{"Redistribution and use in source and binary forms", "Neither the name of", "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS"}},
	{"BSD-2-Clause", []string{"Redistribution and use in source and binary forms", "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS"}},
	{"MIT", []string{"Permission is hereby granted, free of charge", "THE SOFTWARE IS PROVIDED \"AS IS\""}},
}

// kind returns the licence text's kind, or "" when it is none of kinds.
func kind(text []byte) string {
	// Licence files wrap their lines in different places.
	flat := strings.Join(strings.Fields(string(text)), " ")
	for _, k := range kinds {
		all := true
		for _, p := range k.phrases {
			all = all && strings.Contains(flat, p)
		}
		if all {
			return k.name
		}
	}
	return ""
}

func TestTheProjectIsApacheAndTheRuntimePortKeepsGosBSD(t *testing.T) {
	for file, want := range map[string]string{"LICENSE": "Apache-2.0", "rt/LICENSE": "BSD-3-Clause"} {
		text, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		if got := kind(text); got != want {
			t.Errorf("%s is %q, want %s", file, got, want)
		}
	}
	text, err := os.ReadFile(filepath.Join(root, "rt/LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text, []byte("The Go Authors")) {
		t.Errorf("rt/LICENSE does not name The Go Authors: it must be Go's own licence")
	}
}

func TestEveryLinkedModuleHasALicenceTheImagesMayCarry(t *testing.T) {
	// go test puts its own GOROOT/bin first on the test's PATH.
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}@{{.Version}}\t{{.Dir}}{{end}}{{end}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		mod, dir, ok := strings.Cut(sc.Text(), "\t")
		if !ok || seen[mod] {
			continue
		}
		seen[mod] = true
		if dir == "" {
			t.Errorf("%s is not in the module cache: go mod download", mod)
			continue
		}
		var found []string
		for _, name := range []string{"LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING"} {
			text, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue
			}
			k := kind(text)
			if k == "" {
				t.Errorf("%s: %s is no licence the project knows to ship", mod, name)
			}
			found = append(found, k)
		}
		if len(found) == 0 {
			t.Errorf("%s has no licence file", mod)
		}
		t.Logf("%s: %s", mod, strings.Join(found, ", "))
	}
	if len(seen) == 0 {
		t.Fatal("go list named no module: the check checked nothing")
	}
}
