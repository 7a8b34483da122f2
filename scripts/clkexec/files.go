package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// commandLine returns the guest's kernel command line: PWD (when the guest
// gets the working directory's files), GOTRACEBACK, GODEBUG and the
// variables CLK_EXEC_ENV names, each when set, then "--", the binary's base
// name and args, each token percent-encoded.
func commandLine(binary string, args []string, wd string, files bool) (string, error) {
	var tokens []string
	if files {
		tokens = append(tokens, encode("PWD="+wd))
	}
	for _, name := range append([]string{"GOTRACEBACK", "GODEBUG"}, strings.Fields(os.Getenv("CLK_EXEC_ENV"))...) {
		if v, ok := os.LookupEnv(name); ok {
			tokens = append(tokens, encode(name+"="+v))
		}
	}
	tokens = append(tokens, "--", encode(filepath.Base(binary)))
	for _, arg := range args {
		// An empty token would vanish between the separating spaces.
		if arg == "" {
			return "", fail(statusUsage, "empty arguments cannot be passed to the guest")
		}
		tokens = append(tokens, encode(arg))
	}
	cmdline := strings.Join(tokens, " ")
	if strs := len(tokens) - 1; len(cmdline) > maxCmdline || strs > maxStrings {
		return "", fail(statusUsage, "arguments and environment too long for the guest: %d bytes and %d strings encoded (limits %d and %d)",
			len(cmdline), strs, maxCmdline, maxStrings)
	}
	return cmdline, nil
}

// encode percent-encodes s byte by byte: every byte outside
// [A-Za-z0-9._/:=,+-] becomes %XX.
func encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', strings.IndexByte("._/:=,+-", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// guestFiles lists the files the guest gets, as paths relative to /: the
// regular files of wd (not its subdirectories), every regular file of the
// testdata trees of wd and its parents up to the module's root (the
// directory with go.mod) or /, and, when that root is the src directory of a
// Go tree, the time zone database that the time package's tests read as
// ../../lib/time/zoneinfo.zip. Symbolic links are not followed, nor given.
func guestFiles(wd string) []string {
	var paths []string
	add := func(path string) { paths = append(paths, strings.TrimPrefix(path, "/")) }
	if entries, err := os.ReadDir(wd); err == nil {
		for _, e := range entries {
			if e.Type().IsRegular() {
				add(filepath.Join(wd, e.Name()))
			}
		}
	}
	dir := wd
	for {
		if st, err := os.Stat(filepath.Join(dir, "testdata")); err == nil && st.IsDir() {
			filepath.WalkDir(filepath.Join(dir, "testdata"), func(path string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					add(path)
				}
				return nil
			})
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil || dir == "/" {
			break
		}
		dir = filepath.Dir(dir)
	}
	zip := filepath.Join(filepath.Dir(dir), "lib", "time", "zoneinfo.zip")
	if st, err := os.Stat(zip); err == nil && st.Mode().IsRegular() && filepath.Base(dir) == "src" {
		add(zip)
	}
	return paths
}

// writeInitrd writes the files, relative to /, into a newc cpio archive at
// path, with cpio(1) run in /.
func writeInitrd(path string, files []string) error {
	if _, err := exec.LookPath("cpio"); err != nil {
		return fail(statusMissing, "cpio not found (scripts/deps.sh installs it)")
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command("cpio", "-o", "-H", "newc", "--quiet")
	cmd.Dir = "/"
	list := ""
	for _, f := range files {
		list += f + "\n"
	}
	cmd.Stdin = strings.NewReader(list)
	cmd.Stdout = out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cpio: %v: %s", err, stderr.Bytes())
	}
	return out.Close()
}
