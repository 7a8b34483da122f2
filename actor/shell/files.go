package shell

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Files: output redirection and the commands that change files, through
// Writable. The shell has no working directory: a relative name is taken
// from the root, so "tmp/a" and "/tmp/a" name one file.

// ErrNotWritable is the cause of the error of anything that would change
// files on a System that is not Writable.
var ErrNotWritable = errors.New("this system's files cannot be changed")

// writable returns sys's Writable side.
func writable(sys System) (Writable, error) {
	w, ok := sys.(Writable)
	if !ok {
		return nil, ErrNotWritable
	}
	return w, nil
}

// absPath turns a name as typed into the absolute, cleaned name that
// Writable takes.
func absPath(name string) string { return path.Clean("/" + name) }

// fsPath turns a name as typed into the name Files takes: no leading
// slash, "." for the root.
func fsPath(name string) string {
	if p := absPath(name)[1:]; p != "" {
		return p
	}
	return "."
}

// fileError puts name, as it was typed, before the cause of err. The
// errors of fs and os name the path the file system was given, which is
// the absolute or the fs.FS form of the name and not what was typed.
func fileError(name string, err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		err = e.Err
	case *os.LinkError:
		err = e.Err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// redirect is the file that takes a pipeline's output in place of the
// terminal.
type redirect struct {
	name string // as typed
	w    io.WriteCloser
}

// openRedirect opens the file of "> name" or ">> name".
func (s *Shell) openRedirect(name string, append bool) (*redirect, error) {
	wr, err := writable(s.sys)
	if err != nil {
		return nil, fmt.Errorf("redirect to %s: %w", name, err)
	}
	w, err := wr.Create(absPath(name), append)
	if err != nil {
		return nil, fmt.Errorf("redirect to %w", fileError(name, err))
	}
	return &redirect{name: name, w: w}, nil
}

// write passes a batch of lines to the file.
func (r *redirect) write(b string) error {
	if _, err := io.WriteString(r.w, b); err != nil {
		return fmt.Errorf("write to %w", fileError(r.name, err))
	}
	return nil
}

// close closes the file; a file system may report a failed write only
// here.
func (r *redirect) close() error {
	if err := r.w.Close(); err != nil {
		return fmt.Errorf("close %w", fileError(r.name, err))
	}
	return nil
}

func fileCommands() []Command {
	return []Command{
		{Name: "cp", Usage: "cp SRC DST", Help: "copy a file, to DST or into the directory DST", Run: cp},
		{Name: "mv", Usage: "mv SRC DST", Help: "move or rename a file or directory, to DST or into the directory DST", Run: mv},
		{Name: "rm", Usage: "rm [-r] PATH...", Help: "remove files (-r: and directories with all they hold)", Run: rm},
		{Name: "mkdir", Usage: "mkdir [-p] DIR...", Help: "make directories (-p: with their parents; one already there is no error)", Run: mkdir},
		{Name: "df", Usage: "df [PATH]", Help: "size, use and free space of the volume holding PATH (/disk)", Run: df},
		{Name: "sha256sum", Usage: "sha256sum [FILE...]", Help: "print the SHA-256 of files, or of the input", Run: sha256sum},
	}
}

// Causes of the file commands' own errors.
var (
	errIsDir    = errors.New("is a directory")
	errNotDir   = errors.New("not a directory")
	errSameFile = errors.New("are the same file")
)

// chunkSize is how much cp and sha256sum read at a time: they stream files
// rather than hold them whole, which a file of /disk may not allow.
const chunkSize = 32 << 10

// stream copies src to dst a chunk at a time, and stops between chunks
// once the stage must stop. srcName and dstName are for errors.
func stream(p *Stage, dst io.Writer, dstName string, src io.Reader, srcName string) error {
	buf := make([]byte, chunkSize)
	for {
		if err := p.Stopped(); err != nil {
			return err
		}
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return fmt.Errorf("write %w", fileError(dstName, werr))
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %w", fileError(srcName, err))
		}
	}
}

// into returns dst, or dst/base of src when dst is a directory: where cp
// and mv put src.
func into(files fs.FS, src, dst string) string {
	if info, err := fs.Stat(files, fsPath(dst)); err == nil && info.IsDir() {
		return path.Join(dst, path.Base(absPath(src)))
	}
	return dst
}

// cp copies a file. The copy is not atomic: a cp that fails or is stopped
// leaves what it has written.
func cp(p *Stage) error {
	if len(p.Args) != 2 {
		return usagef("want a source and a destination, got %d arguments", len(p.Args))
	}
	w, err := writable(p.Sys)
	if err != nil {
		return err
	}
	files := p.Sys.Files()
	src := p.Args[0]
	info, err := fs.Stat(files, fsPath(src))
	if err != nil {
		return fileError(src, err)
	}
	if info.IsDir() {
		return fmt.Errorf("%s: %w (cp copies files)", src, errIsDir)
	}
	dst := into(files, src, p.Args[1])
	// Creating the destination would truncate the source before a byte
	// of it is read.
	if absPath(src) == absPath(dst) {
		return fmt.Errorf("%s and %s %w", src, dst, errSameFile)
	}
	in, err := files.Open(fsPath(src))
	if err != nil {
		return fileError(src, err)
	}
	defer in.Close()
	out, err := w.Create(absPath(dst), false)
	if err != nil {
		return fileError(dst, err)
	}
	if err := stream(p, out, dst, in, src); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %w", fileError(dst, err))
	}
	return nil
}

// mv renames a file or a directory, which the file system does in one
// step: mv copies nothing, so it cannot move between volumes.
func mv(p *Stage) error {
	if len(p.Args) != 2 {
		return usagef("want a source and a destination, got %d arguments", len(p.Args))
	}
	w, err := writable(p.Sys)
	if err != nil {
		return err
	}
	files := p.Sys.Files()
	src := p.Args[0]
	if _, err := fs.Stat(files, fsPath(src)); err != nil {
		return fileError(src, err)
	}
	dst := into(files, src, p.Args[1])
	from, to := absPath(src), absPath(dst)
	switch {
	case from == to:
		return fmt.Errorf("%s and %s %w", src, dst, errSameFile)
	case strings.HasPrefix(to, from+"/"):
		return fmt.Errorf("%s: cannot move a directory into itself (%s)", src, dst)
	}
	if err := w.Rename(from, to); err != nil {
		return fmt.Errorf("%s to %w", src, fileError(dst, err))
	}
	return nil
}

// rm removes files, and with -r directories with what they hold. It
// refuses the root, which holds the initrd and every volume.
func rm(p *Stage) error {
	f, args, err := flags(p.Args, "r")
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usagef("want a path")
	}
	w, err := writable(p.Sys)
	if err != nil {
		return err
	}
	for _, name := range args {
		if absPath(name) == "/" {
			return fmt.Errorf("%s: refusing to remove the root", name)
		}
		info, err := fs.Stat(p.Sys.Files(), fsPath(name))
		if err != nil {
			return fileError(name, err)
		}
		if info.IsDir() && !f['r'] {
			return fmt.Errorf("%s: %w (rm -r removes directories)", name, errIsDir)
		}
		if err := removeTree(p, w, name, info.IsDir()); err != nil {
			return err
		}
	}
	return nil
}

// removeTree removes name and, when it is a directory, what it holds,
// deepest first. It stops between files once the stage must stop.
func removeTree(p *Stage, w Writable, name string, dir bool) error {
	if err := p.Stopped(); err != nil {
		return err
	}
	if dir {
		entries, err := fs.ReadDir(p.Sys.Files(), fsPath(name))
		if err != nil {
			return fileError(name, err)
		}
		for _, e := range entries {
			if err := removeTree(p, w, path.Join(name, e.Name()), e.IsDir()); err != nil {
				return err
			}
		}
	}
	if err := w.Remove(absPath(name)); err != nil {
		return fileError(name, err)
	}
	return nil
}

func mkdir(p *Stage) error {
	f, args, err := flags(p.Args, "p")
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usagef("want a directory")
	}
	w, err := writable(p.Sys)
	if err != nil {
		return err
	}
	for _, name := range args {
		if f['p'] {
			if err := mkdirAll(p.Sys.Files(), w, name); err != nil {
				return err
			}
			continue
		}
		if err := w.Mkdir(absPath(name)); err != nil {
			return fileError(name, err)
		}
	}
	return nil
}

// mkdirAll makes name and the parents it lacks. A directory already there
// is no error; a file in the way is.
func mkdirAll(files fs.FS, w Writable, name string) error {
	dir := "/"
	for _, part := range strings.Split(absPath(name)[1:], "/") {
		dir = path.Join(dir, part)
		info, err := fs.Stat(files, fsPath(dir))
		switch {
		case err == nil && info.IsDir():
			continue
		case err == nil:
			return fmt.Errorf("%s: %w", dir, errNotDir)
		case !errors.Is(err, fs.ErrNotExist):
			return fileError(dir, err)
		}
		if err := w.Mkdir(dir); err != nil {
			return fileError(dir, err)
		}
	}
	return nil
}

// df prints the size, use and free space of one volume in KiB, the share
// of it in use, rounded up as df rounds it, and whether it is read-only.
func df(p *Stage) error {
	if len(p.Args) > 1 {
		return usagef("want at most one path, got %d", len(p.Args))
	}
	name := "/disk"
	if len(p.Args) == 1 {
		name = p.Args[0]
	}
	w, ok := p.Sys.(Writable)
	if !ok {
		return errors.New("this system reports no volumes")
	}
	u, err := w.Usage(absPath(name))
	if err != nil {
		return fileError(name, err)
	}
	used := u.Total - min(u.Free, u.Total)
	share := "-"
	if u.Total > 0 {
		share = fmt.Sprintf("%d%%", (used*100+u.Total-1)/u.Total)
	}
	mode := "rw"
	if u.ReadOnly {
		mode = "ro"
	}
	if err := p.Printf("%-16s %-8s %12s %12s %12s %5s %s", "PATH", "KIND", "SIZE KiB", "USED KiB", "FREE KiB", "USE%", "MODE"); err != nil {
		return err
	}
	return p.Printf("%-16s %-8s %12d %12d %12d %5s %s", name, u.Kind, u.Total>>10, used>>10, u.Free>>10, share, mode)
}

// sha256sum prints "HEX  NAME" per file, as coreutils does; without files
// it hashes its input, each line ended by a newline, and names it "-".
func sha256sum(p *Stage) error {
	if len(p.Args) == 0 {
		h := sha256.New()
		for line, ok := p.Recv(); ok; line, ok = p.Recv() {
			io.WriteString(h, line+"\n")
		}
		if err := p.Stopped(); err != nil {
			return err
		}
		return p.Printf("%x  -", h.Sum(nil))
	}
	for _, name := range p.Args {
		f, err := p.Sys.Files().Open(fsPath(name))
		if err != nil {
			return fileError(name, err)
		}
		h := sha256.New()
		err = stream(p, h, "", f, name)
		f.Close()
		if err != nil {
			return err
		}
		if err := p.Printf("%x  %s", h.Sum(nil), name); err != nil {
			return err
		}
	}
	return nil
}
