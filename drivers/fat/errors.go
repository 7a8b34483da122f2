package fat

import (
	"errors"
	"io/fs"
)

// The package's errors. Operations on paths return them inside an
// *fs.PathError, usually with more context; test for them with errors.Is.
var (
	// ErrCorrupt reports an on-disk structure that breaks the format: a
	// boot sector Mount cannot trust, a cluster chain that loops or leaves
	// the volume, a directory entry pointing outside the data area. Once
	// seen while running, the volume stays read-only until remounted.
	ErrCorrupt = errors.New("corrupt FAT volume")

	// ErrUnsupported reports a valid volume this package does not handle:
	// FAT12 and FAT16, or a FAT32 version it does not know.
	ErrUnsupported = errors.New("unsupported FAT volume")

	// ErrNotEmpty reports a directory that still holds entries.
	ErrNotEmpty = errors.New("directory not empty")

	// ErrIsDir reports a directory where a file was needed.
	ErrIsDir = errors.New("is a directory")

	// ErrNotDir reports a file where a directory was needed.
	ErrNotDir = errors.New("not a directory")

	// ErrNoSpace reports that no free cluster is left, or that a directory
	// has reached the format's 65,536 entries.
	ErrNoSpace = errors.New("no space left on volume")

	// ErrTooLarge reports a file that would grow past 4 GiB less one
	// byte, the most a directory entry's 32-bit size can say.
	ErrTooLarge = errors.New("file too large for FAT")

	// ErrTooSmall reports a device too small for FAT32: it needs at least
	// 65,525 data clusters (about 32.5 MiB with 512-byte sectors).
	ErrTooSmall = errors.New("device too small for FAT32")

	// ErrReadOnly reports a change asked of a volume mounted read-only.
	// It matches fs.ErrPermission too.
	ErrReadOnly error = &kindError{"read-only volume", fs.ErrPermission}

	// ErrBadName reports a name FAT cannot hold. It matches fs.ErrInvalid
	// too.
	ErrBadName error = &kindError{"invalid FAT file name", fs.ErrInvalid}
)

// kindError is a package error that also matches one of io/fs's generic
// errors, so that callers who only know io/fs still classify it.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }

// Is makes errors.Is(err, e.kind) hold.
func (e *kindError) Is(target error) bool { return target == e.kind }
