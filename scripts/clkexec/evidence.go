package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// evidenceRoot returns the directory under which evidence is kept:
// CLK_EVIDENCE_DIR, or clk-evidence in the system's temporary directory.
func evidenceRoot() string {
	return cmp.Or(os.Getenv("CLK_EVIDENCE_DIR"), filepath.Join(os.TempDir(), "clk-evidence"))
}

// keepEvidence saves what explains a guest that died without a status, or
// hung, in a new directory under evidenceRoot, prints a summary on stderr
// and returns "; evidence in DIR" for the error message ("" when nothing
// could be saved). QEMU must have ended and the console be copied.
func (m *machine) keepEvidence() string {
	root := evidenceRoot()
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' {
			return '_'
		}
		return r
	}, m.c.Boot.Name)
	if err := os.MkdirAll(root, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "%s: no evidence kept: %v\n", prog, err)
		return ""
	}
	dir, err := os.MkdirTemp(root, name+"-"+time.Now().Format("20060102-150405")+"-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: no evidence kept: %v\n", prog, err)
		return ""
	}
	m.mu.Lock()
	tail, regs, frames, stopped, logFile := lastLines(string(m.tail), consoleTail), m.regs, m.frames, m.stopped, m.log
	m.mu.Unlock()
	var log []byte
	if logFile != nil {
		log, _ = io.ReadAll(logFile)
	} else {
		log, _ = os.ReadFile(m.c.Log)
	}
	save := func(file, text string) {
		if text == "" {
			return
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "%s: evidence: %v\n", prog, err)
		}
	}
	save("qemu.log", string(log))
	save("console-tail.txt", tail)
	save("registers.txt", regs)
	save("backtraces.txt", frames)
	save("qemu-stderr.txt", m.stderr.String())
	save("command.txt", m.c.String()+"\n"+
		"(the initrd and the QMP socket were in a temporary directory, removed since)\n")

	fmt.Fprintf(os.Stderr, "%s: evidence kept in %s:\n", prog, dir)
	if stopped != "" {
		fmt.Fprintf(os.Stderr, "  QEMU's reason for the stop: %s\n", stopped)
	}
	fmt.Fprintf(os.Stderr, "  qemu.log: %s\n", logSummary(string(log)))
	if regs != "" {
		fmt.Fprintf(os.Stderr, "  registers.txt: %s\n", registerSummary(regs))
		if frames != "" {
			fmt.Fprintf(os.Stderr, "  backtraces.txt: each CPU's call stack, named from the binary's symbols\n")
		}
	} else {
		fmt.Fprintf(os.Stderr, "  no registers: QEMU had ended\n")
	}
	last := strings.TrimSpace(lastLines(tail, 1))
	fmt.Fprintf(os.Stderr, "  console-tail.txt: the console's last lines (up to %d), the last %q\n", consoleTail, last)
	return "; evidence in " + dir
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	s = strings.TrimSuffix(s, "\n")
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			n--
			if n == 0 {
				return s[i+1:] + "\n"
			}
		}
	}
	if s == "" {
		return ""
	}
	return s + "\n"
}

// registerLine matches the register dump lines of QEMU's cpu_reset log
// ("EAX=...", "ES =0000 ...", "XMM00=...").
var registerLine = regexp.MustCompile(`^[A-Z][A-Z0-9]* *=`)

// logSummary counts the CPU resets of QEMU's log and quotes its other lines,
// such as "Triple fault" and the guest errors.
func logSummary(log string) string {
	resets := 0
	var other []string
	for line := range strings.Lines(log) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || registerLine.MatchString(line):
		case strings.HasPrefix(line, "CPU Reset"):
			resets++
		default:
			other = append(other, line)
		}
	}
	s := fmt.Sprintf("%d CPU resets", resets)
	const most = 5
	if len(other) > most {
		other = append(other[:most], "...")
	}
	if len(other) > 0 {
		s += "; " + strings.Join(other, "; ")
	}
	return s
}

// cpuState finds each CPU's heading and its instruction pointer in the
// output of "info registers -a".
var cpuState = regexp.MustCompile(`(?m)^CPU#([0-9]+)|\b([RE]IP)=([0-9a-f]+)`)

// registerSummary gives each CPU's instruction pointer, which is where a
// fault or a hang is.
func registerSummary(regs string) string {
	var parts []string
	cpu := ""
	for _, m := range cpuState.FindAllStringSubmatch(regs, -1) {
		if m[1] != "" {
			cpu = "CPU " + m[1]
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s=%s", cpu, m[2], m[3]))
	}
	if len(parts) == 0 {
		return strings.TrimSpace(lastLines(regs, 1))
	}
	return strings.Join(parts, ", ")
}
