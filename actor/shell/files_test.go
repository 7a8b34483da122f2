package shell

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCpCopiesFilesAndIntoDirectories(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"cp /etc/motd /tmp/motd", ""},
		{"cat /tmp/motd", "hello\nclk\n"},
		{"cp /disk/docs/a.txt tmp", ""},
		{"cat /tmp/a.txt", "alpha\n"},
		{"echo longer than alpha > /tmp/b", ""},
		{"cp /tmp/a.txt /tmp/b", ""},
		{"cat /tmp/b", "alpha\n"},
		{"cp etc/../etc/motd /disk/docs/", ""},
		{"ls /disk/docs", "a.txt                            6\nmotd                             10\n"},
	})
	noneOpen(t, sys)
}

func TestCpStreamsAFileLargerThanItsBuffer(t *testing.T) {
	s, sys := newMemSession(t)
	// Lines of different lengths, so that a chunk lost or repeated
	// changes the sum.
	s.command("seq 1 30000 > /tmp/big")
	big, _ := sys.file("tmp/big")
	if len(big) <= 2*chunkSize {
		t.Fatalf("the file is %d bytes, not larger than two chunks", len(big))
	}
	s.command("cp /tmp/big /disk/big")
	if got, _ := sys.file("disk/big"); !bytes.Equal(got, big) {
		t.Errorf("the copy has %d bytes, differing from the %d of the source", len(got), len(big))
	}
	noneOpen(t, sys)
}

func TestMvRenamesAndMovesIntoDirectories(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"cp /etc/motd /tmp/m", ""},
		{"mv /tmp/m /tmp/n", ""},
		{"cat /tmp/m", "cat: open tmp/m: file does not exist\n"},
		{"cat /tmp/n", "hello\nclk\n"},
		{"mv /tmp/n disk/docs", ""},
		{"cat /disk/docs/n", "hello\nclk\n"},
		{"mv /disk/docs /disk/papers", ""},
		{"ls /disk/papers", "a.txt                            6\nn                                10\n"},
		{"ls disk", "papers/\n"},
	})
	noneOpen(t, sys)
}

func TestRmRemovesFilesAndOnlyWithRDirectories(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"mkdir -p /disk/d/e/f", ""},
		{"echo 1 > /disk/d/one", ""},
		{"echo 2 > /disk/d/e/two", ""},
		{"rm /disk/d", "rm: /disk/d: is a directory (rm -r removes directories)\n"},
		{"rm /disk/d/one", ""},
		{"ls /disk/d", "e/\n"},
		{"rm -r /disk/d /disk/docs/a.txt", ""},
		{"ls /disk", "docs/\n"},
		{"rm /disk/docs/a.txt", "rm: /disk/docs/a.txt: file does not exist\n"},
		{"rm -r /", "rm: /: refusing to remove the root\n"},
		{"rm -r /tmp/..", "rm: /tmp/..: refusing to remove the root\n"},
		{"rm /etc/motd", "rm: /etc/motd: permission denied\n"},
		{"rm", "rm: want a path (usage: rm [-r] PATH...)\n"},
		{"rm -f /tmp", "rm: unknown flag -f (usage: rm [-r] PATH...)\n"},
	})
	noneOpen(t, sys)
}

func TestMkdirMakesDirectoriesAndWithPTheirParents(t *testing.T) {
	s, _ := newMemSession(t)
	s.commands([]reply{
		{"mkdir /tmp/a tmp/b", ""},
		{"ls /tmp", "a/\nb/\n"},
		{"mkdir /tmp/a", "mkdir: /tmp/a: file already exists\n"},
		{"mkdir -p /tmp/a", ""},
		{"mkdir /tmp/x/y", "mkdir: /tmp/x/y: file does not exist\n"},
		{"mkdir -p /tmp/x/y/z /disk/docs", ""},
		{"ls /tmp/x/y", "z/\n"},
		{"mkdir -p /disk/docs/a.txt/sub", "mkdir: /disk/docs/a.txt: not a directory\n"},
		{"mkdir /etc/new", "mkdir: /etc/new: permission denied\n"},
		{"mkdir", "mkdir: want a directory (usage: mkdir [-p] DIR...)\n"},
	})
}

func TestDfShowsTheVolumeOfAPath(t *testing.T) {
	s, _ := newMemSession(t)
	header := regexp.QuoteMeta("PATH             KIND         SIZE KiB     USED KiB     FREE KiB  USE% MODE") + "\n"
	for _, c := range []struct{ line, want string }{
		{"df", header + `/disk\s+fat32\s+1024\s+0\s+1023\s+1% rw\n`},
		{"df /etc", header + `/etc\s+initrd\s+0\s+0\s+0\s+100% ro\n`},
	} {
		if got := s.command(c.line); !regexp.MustCompile("^" + c.want + "$").MatchString(got) {
			t.Errorf("%s: reply %q, want %s", c.line, got, c.want)
		}
	}
	s.command("seq 1 100000 > /disk/numbers") // 588895 bytes
	if got := s.command("df /disk/docs"); !regexp.MustCompile(`\n/disk/docs\s+fat32\s+1024\s+575\s+448\s+57% rw\n$`).MatchString(got) {
		t.Errorf("df after a write: %q", got)
	}
	s.commands([]reply{
		{"df /tmp", "df: /tmp: unsupported operation\n"},
		{"df /nope", "df: /nope: file does not exist\n"},
		{"df a b", "df: want at most one path, got 2 (usage: df [PATH])\n"},
	})
}

func TestSha256sumMatchesCryptoSha256(t *testing.T) {
	s, sys := newMemSession(t)
	s.command("seq 1 20000 > /tmp/big")
	big, _ := sys.file("tmp/big")
	want := fmt.Sprintf("%x  /etc/motd\n%x  tmp/big\n", sha256.Sum256([]byte("hello\nclk\n")), sha256.Sum256(big))
	if got := s.command("sha256sum /etc/motd tmp/big"); got != want {
		t.Errorf("sha256sum: %q, want %q", got, want)
	}
	if got, want := s.command("seq 3 | sha256sum"), fmt.Sprintf("%x  -\n", sha256.Sum256([]byte("1\n2\n3\n"))); got != want {
		t.Errorf("sha256sum of the input: %q, want %q", got, want)
	}
	if got := s.command("sha256sum /nope"); got != "sha256sum: /nope: file does not exist\n" {
		t.Errorf("sha256sum /nope: %q", got)
	}
	noneOpen(t, sys)
}

func TestFileCommandsRefuseBadArguments(t *testing.T) {
	s, sys := newMemSession(t)
	s.commands([]reply{
		{"cp /nope /tmp/x", "cp: /nope: file does not exist\n"},
		{"cp /etc/motd /etc/motd", "cp: /etc/motd and /etc/motd are the same file\n"},
		{"cp /disk/docs/a.txt /disk/docs", "cp: /disk/docs/a.txt and /disk/docs/a.txt are the same file\n"},
		{"cp /disk/docs /tmp", "cp: /disk/docs: is a directory (cp copies files)\n"},
		{"cp /etc/motd /etc/new", "cp: /etc/new: permission denied\n"},
		{"cp /etc/motd", "cp: want a source and a destination, got 1 arguments (usage: cp SRC DST)\n"},
		{"mv /nope /tmp/x", "mv: /nope: file does not exist\n"},
		{"mv /disk/docs /disk/docs/sub", "mv: /disk/docs: cannot move a directory into itself (/disk/docs/sub)\n"},
		{"mv /disk/docs /disk/docs", "mv: /disk/docs: cannot move a directory into itself (/disk/docs/docs)\n"},
		{"mv /etc/motd /tmp", "mv: /etc/motd to /tmp/motd: permission denied\n"},
		{"mv a", "mv: want a source and a destination, got 1 arguments (usage: mv SRC DST)\n"},
	})
	if got, _ := sys.file("etc/motd"); string(got) != "hello\nclk\n" {
		t.Errorf("cp onto itself changed the file: %q", got)
	}
	noneOpen(t, sys)
}

func TestFileCommandsNeedAWritableSystem(t *testing.T) {
	s := newSession(t)
	for _, line := range []string{"cp /etc/motd /tmp/m", "mv /etc/motd /tmp/m", "rm /etc/motd", "mkdir /tmp/d"} {
		name, _, _ := strings.Cut(line, " ")
		if got, want := s.command(line), name+": this system's files cannot be changed\n"; got != want {
			t.Errorf("%s: reply %q, want %q", line, got, want)
		}
	}
	if got := s.command("df"); got != "df: this system reports no volumes\n" {
		t.Errorf("df: %q", got)
	}
	if got, want := s.command("sha256sum /etc/motd"), fmt.Sprintf("%x  /etc/motd\n", sha256.Sum256([]byte("hello\nclk\n"))); got != want {
		t.Errorf("sha256sum reads without Writable: %q, want %q", got, want)
	}
}

func TestCtrlCStopsACopyAndClosesItsFiles(t *testing.T) {
	s, sys := newMemSession(t)
	s.send("cp /dev/zero /tmp/zero\r")
	for range 2000 {
		if b, _ := sys.file("tmp/zero"); len(b) > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.send("\x03")
	s.expect("^C\n")
	s.expect(Prompt)
	noneOpen(t, sys)
	if got := s.command("echo ok"); got != "ok\n" {
		t.Errorf("echo after Ctrl-C: %q", got)
	}
	waitNoActorNamed(t, "cp")
}
