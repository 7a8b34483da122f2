package vslinux

import (
	"fmt"
	"os"
	"os/exec"
)

// Stderr writes a benchmark program's messages, such as Plan.Run's, to
// standard error under the program's name, which it is.
type Stderr string

func (s Stderr) Write(p []byte) (int, error) {
	return fmt.Fprintf(os.Stderr, "%s: %s", string(s), p)
}

// HostGo returns the host's go command, for tests that build a guest
// program to run on the host: the one on PATH, else where the Makefile
// also looks.
func HostGo() (string, bool) {
	if path, err := exec.LookPath("go"); err == nil {
		return path, true
	}
	const fallback = "/usr/local/go/bin/go"
	if _, err := os.Stat(fallback); err != nil {
		return "", false
	}
	return fallback, true
}
