//go:build !clk

package fat

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The host tools the interoperability and crash tests check against:
// dosfstools' fsck.fat and mkfs.fat, and mtools. Those tests skip where
// the tools are missing, and on clk, which has none.

// findTool returns the path of a host tool, looking in PATH and then in
// the sbin directories that hold dosfstools but are often not in a
// user's PATH, or "" if it is missing.
func findTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// tool returns the path of a host tool, skipping the test if it is
// missing.
func tool(t testing.TB, name string) string {
	t.Helper()
	p := findTool(name)
	if p == "" {
		t.Skipf("%s is not installed (dosfstools or mtools): skipping the check it makes", name)
	}
	return p
}

// toolImages returns images made by mkfs.fat and filled by mtools, to
// seed the fuzzers with another formatter's layout, or none if the tools
// are missing.
func toolImages(tb testing.TB) []*MemDevice {
	if findTool("mkfs.fat") == "" || findTool("mcopy") == "" || findTool("mmd") == "" {
		return nil
	}
	dir := tb.TempDir()
	img := mkfsImage(tb, dir, 35000)
	local := filepath.Join(dir, "local")
	if err := os.WriteFile(local, []byte("written by mtools\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	mtools(tb, "mmd", "-i", img, "::A Directory", "::A Directory/sub")
	for _, name := range []string{"::A Directory/A Long Name.txt", "::A Directory/sub/x.txt", "::SHORT.TXT", "::lower.txt"} {
		mtools(tb, "mcopy", "-i", img, local, name)
	}
	return []*MemDevice{loadImage(tb, img, 512)}
}

// fsck runs fsck.fat -n on an image and returns its output and exit
// status.
func fsck(t testing.TB, img string) (string, int) {
	t.Helper()
	out, err := exec.Command(tool(t, "fsck.fat"), "-n", img).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("fsck.fat: %v", err)
	return "", 0
}

// mtools runs an mtools command (mcopy, mdir, mtype, mmd) with the
// geometry checks off, returning its standard output.
func mtools(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	var stderr []byte
	out, err := cmd.Output()
	if exit, ok := err.(*exec.ExitError); ok {
		stderr = exit.Stderr
	}
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr)
	}
	return out
}

// mkfsImage makes a FAT32 image of kib KiB with mkfs.fat, 512-byte
// sectors and clusters, in dir.
func mkfsImage(t testing.TB, dir string, kib int) string {
	return mkfs(t, dir, "-S", "512", "-s", "1", "-n", "MKFS", strconv.Itoa(kib))
}

// mkfsImageOf makes a FAT32 image of kib KiB with mkfs.fat choosing the
// cluster size, in dir.
func mkfsImageOf(t testing.TB, dir string, kib int) string {
	return mkfs(t, dir, strconv.Itoa(kib))
}

func mkfs(t testing.TB, dir string, args ...string) string {
	t.Helper()
	img := filepath.Join(dir, "mkfs.img")
	args = append([]string{"-F", "32", "-C", img}, args...)
	out, err := exec.Command(tool(t, "mkfs.fat"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("mkfs.fat: %v\n%s", err, out)
	}
	return img
}

// fsckClean checks an image with fsck.fat -n, if it is installed, and
// fails the test unless it finds nothing.
func fsckClean(t *testing.T, dev *MemDevice) {
	t.Helper()
	if findTool("fsck.fat") == "" {
		t.Log("fsck.fat is not installed: the image is not checked with it")
		return
	}
	if out, code := fsck(t, saveImage(t, dev, t.TempDir())); code != 0 {
		t.Fatalf("fsck.fat -n exit %d:\n%s", code, out)
	}
}
