package abi

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated files (docs/abi.md's tables, the constants of the runtime and of packages syscall and net) from this package")

const (
	abiDoc   = "../docs/abi.md"
	genBegin = "<!-- generated from package abi by go generate ./abi: do not edit below -->\n"
)

var argKinds = map[ArgKind]string{
	ArgValue: "value", ArgHandle: "handle", ArgRights: "rights", ArgPtr: "pointer", ArgLen: "length", ArgDeadline: "deadline",
}

// generated renders the rights, the status codes and every syscall.
func generated() string {
	var b strings.Builder
	b.WriteString(genBegin)
	b.WriteString("\n## Rights\n\n| bit | name | allows |\n|---|---|---|\n")
	for i, r := range RightList {
		fmt.Fprintf(&b, "| %d (`%#x`) | `%s` | %s |\n", i, uint32(r.Right), r.Name, r.Doc)
	}
	b.WriteString("\n## Signals\n\n| bit | name | raised when |\n|---|---|---|\n")
	for _, sg := range SignalList {
		fmt.Fprintf(&b, "| `%#x` | `%s` | %s |\n", uint32(sg.Signal), sg.Name, sg.Doc)
	}
	b.WriteString("\n## Status codes\n\nReturned in RAX; 0 is success.\n\n| code | name | meaning |\n|---|---|---|\n")
	for _, e := range Errnos {
		fmt.Fprintf(&b, "| %d | `%s` | %s |\n", e.Code, e.Name, e.Doc)
	}
	b.WriteString("\n## Calls\n\n| number | name | wired |\n|---|---|---|\n")
	for _, c := range Calls() {
		w := "yes"
		if !c.Wired {
			w = "no: returns `ENOSYS`"
		}
		fmt.Fprintf(&b, "| %d | [`%s`](#%s) | %s |\n", c.Num, c.Name, c.Name, w)
	}
	for _, c := range Calls() {
		fmt.Fprintf(&b, "\n### %s\n\nNumber %d.", c.Name, c.Num)
		if !c.Wired {
			b.WriteString(" **Declared, not wired: returns `ENOSYS` today.**")
		}
		b.WriteString("\n\n")
		if len(c.Args) == 0 {
			b.WriteString("Arguments: none.\n\n")
		} else {
			b.WriteString("| register | argument | kind | meaning |\n|---|---|---|---|\n")
			regs := []string{"RDI", "RSI", "RDX", "R10", "R8", "R9"}
			for i, a := range c.Args {
				fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", regs[i], a.Name, argKinds[a.Kind], a.Doc)
			}
			b.WriteString("\n")
		}
		if c.Returns != "" {
			fmt.Fprintf(&b, "Returns (RDX): %s.\n\n", c.Returns)
		}
		fmt.Fprintf(&b, "Rights: %s.\n\n", c.Rights)
		if len(c.Errors) == 0 {
			b.WriteString("Errors: none.\n\n")
		} else {
			names := make([]string, len(c.Errors))
			for i, e := range c.Errors {
				names[i] = "`" + e.String() + "`"
			}
			fmt.Fprintf(&b, "Errors: %s.\n\n", strings.Join(names, ", "))
		}
		fmt.Fprintf(&b, "Effect: %s\n", c.Effect)
	}
	return b.String()
}

// docFile is docs/abi.md with its generated part rewritten.
func docFile(t *testing.T) []byte {
	old, err := os.ReadFile(abiDoc)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(old), genBegin)
	if i < 0 {
		t.Fatalf("%s lacks the line %q", abiDoc, strings.TrimSpace(genBegin))
	}
	return []byte(string(old[:i]) + generated())
}

func TestTableIsConsistent(t *testing.T) {
	names := map[string]bool{}
	for i, c := range Calls() {
		if c.Num != i || c.Name == "" {
			t.Errorf("entry %d: number %d, name %q", i, c.Num, c.Name)
		}
		if names[c.Name] {
			t.Errorf("%s declared twice", c.Name)
		}
		names[c.Name] = true
		if !c.Wired && (len(c.Errors) != 1 || c.Errors[0] != ENOSYS) {
			t.Errorf("%s: not wired, so its only error is ENOSYS", c.Name)
		}
		if len(c.Args) > 6 || c.Effect == "" || c.Rights == "" {
			t.Errorf("%s: incomplete entry", c.Name)
		}
	}
	for i, e := range Errnos {
		if e.Code != Errno(i) {
			t.Errorf("Errnos[%d] has code %d", i, e.Code)
		}
	}
}
