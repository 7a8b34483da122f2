package shell

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
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
