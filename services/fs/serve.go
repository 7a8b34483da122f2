package fs

import (
	"errors"
	"io"
	iofs "io/fs"
	"os"
	"path"
	"syscall"

	"clk/abi"
	"clk/drivers/fat"
)

// Linux's error numbers, which the file protocol carries (abi/fs.go).
const (
	errNOENT       = 2
	errIO          = 5
	errBADF        = 9
	errACCES       = 13
	errEXIST       = 17
	errNOTDIR      = 20
	errISDIR       = 21
	errINVAL       = 22
	errMFILE       = 24
	errFBIG        = 27
	errNOSPC       = 28
	errROFS        = 30
	errNAMETOOLONG = 36
	errNOTEMPTY    = 39
)

// maxOpen is the most files one client has open at once.
const maxOpen = 1024

// volume is the mounted volume the clients share.
type volume struct {
	fsys *fat.FS
}

// client is one channel's state: its open files by id.
type client struct {
	s     *volume
	files map[uint32]*openFile
	next  uint32
}

// openFile is one id of a client.
type openFile struct {
	f     *fat.File
	path  string
	flags uint32
	dir   bool
	// list is a directory's entries as read at its index 0, which later
	// pages of FSReadDir come from.
	list []iofs.DirEntry
}

// answer returns the reply to a request, appended to out.
func (c *client) answer(typ uint32, req, out []byte) []byte {
	fail := func(e uint32) []byte { return abi.FSStatus(out[:0], e) }
	switch typ {
	case abi.FSOpen:
		if len(req) < 8 {
			return fail(errINVAL)
		}
		p, e := cleanPath(req[8:])
		if e != 0 {
			return fail(e)
		}
		return c.open(p, le.Uint32(req), le.Uint32(req[4:]), out)
	case abi.FSClose:
		f, e := c.file(req, 4)
		if e != 0 {
			return fail(e)
		}
		delete(c.files, le.Uint32(req))
		return abi.FSStatus(out, errnoOf(f.f.Close()))
	case abi.FSRead:
		f, e := c.file(req, 16)
		if e != 0 {
			return fail(e)
		}
		n, off := le.Uint32(req[4:]), le.Uint64(req[8:])
		switch {
		case f.dir:
			return fail(errISDIR)
		case f.flags&abi.FSOpenRead == 0:
			return fail(errBADF)
		case n > abi.FSMaxIO || off > 1<<62:
			return fail(errINVAL)
		}
		out = abi.FSStatus(out, 0)
		buf := out[len(out) : len(out)+int(n)]
		got, err := f.f.ReadAt(buf, int64(off))
		if err != nil && err != io.EOF {
			return fail(errnoOf(err))
		}
		return out[:len(out)+got]
	case abi.FSWrite:
		f, e := c.file(req, 16)
		if e != 0 {
			return fail(e)
		}
		off, data := le.Uint64(req[8:]), req[16:]
		switch {
		case f.dir:
			return fail(errISDIR)
		case f.flags&abi.FSOpenWrite == 0:
			return fail(errBADF)
		case off > 1<<62:
			return fail(errINVAL)
		}
		var err error
		if f.flags&abi.FSOpenAppend != 0 {
			_, err = f.f.Write(data)
		} else {
			_, err = f.f.WriteAt(data, int64(off))
		}
		if err != nil {
			return fail(errnoOf(err))
		}
		info, err := f.f.Stat()
		if err != nil {
			return fail(errnoOf(err))
		}
		return le.AppendUint64(abi.FSStatus(out, 0), uint64(info.Size()))
	case abi.FSStat:
		p, e := cleanPath(req)
		if e != 0 {
			return fail(e)
		}
		info, err := c.s.fsys.Stat(p)
		if err != nil {
			return fail(errnoOf(err))
		}
		return attrOf(info).Marshal(abi.FSStatus(out, 0))
	case abi.FSFstat:
		f, e := c.file(req, 4)
		if e != 0 {
			return fail(e)
		}
		info, err := f.f.Stat()
		if err != nil {
			return fail(errnoOf(err))
		}
		return attrOf(info).Marshal(abi.FSStatus(out, 0))
	case abi.FSReadDir:
		f, e := c.file(req, 8)
		if e != 0 {
			return fail(e)
		}
		if !f.dir {
			return fail(errNOTDIR)
		}
		return c.readDir(f, int(le.Uint32(req[4:])), out)
	case abi.FSMkdir:
		if len(req) < 4 {
			return fail(errINVAL)
		}
		p, e := cleanPath(req[4:])
		if e != 0 {
			return fail(e)
		}
		return abi.FSStatus(out, errnoOf(c.s.fsys.Mkdir(p)))
	case abi.FSRemove:
		p, e := cleanPath(req)
		if e != 0 {
			return fail(e)
		}
		return abi.FSStatus(out, errnoOf(c.s.fsys.Remove(p)))
	case abi.FSRename:
		if len(req) < 2 || len(req) < 2+int(le.Uint16(req)) {
			return fail(errINVAL)
		}
		n := int(le.Uint16(req))
		from, e1 := cleanPath(req[2 : 2+n])
		to, e2 := cleanPath(req[2+n:])
		if e := max(e1, e2); e != 0 {
			return fail(e)
		}
		return abi.FSStatus(out, errnoOf(c.s.fsys.Rename(from, to)))
	case abi.FSTruncate:
		f, e := c.file(req, 16)
		if e != 0 {
			return fail(e)
		}
		size := le.Uint64(req[8:])
		switch {
		case f.dir:
			return fail(errISDIR)
		case f.flags&abi.FSOpenWrite == 0:
			return fail(errBADF)
		case size > 1<<62:
			return fail(errINVAL)
		}
		return abi.FSStatus(out, errnoOf(f.f.Truncate(int64(size))))
	case abi.FSSync:
		if len(req) < 4 {
			return fail(errINVAL)
		}
		if le.Uint32(req) == 0 {
			return abi.FSStatus(out, errnoOf(c.s.fsys.Sync()))
		}
		f, e := c.file(req, 4)
		if e != 0 {
			return fail(e)
		}
		return abi.FSStatus(out, errnoOf(f.f.Sync()))
	case abi.FSStatFS:
		u, err := c.s.fsys.StatFS()
		if err != nil {
			return fail(errnoOf(err))
		}
		var flags uint32
		if c.s.fsys.ReadOnly() {
			flags |= abi.FSReadOnly
		}
		out = abi.FSStatus(out, 0)
		out = le.AppendUint64(out, uint64(u.TotalBytes))
		out = le.AppendUint64(out, uint64(u.FreeBytes))
		out = le.AppendUint32(out, uint32(u.ClusterSize))
		return le.AppendUint32(out, flags)
	}
	return fail(errINVAL)
}

// open handles FSOpen of p.
func (c *client) open(p string, flags, perm uint32, out []byte) []byte {
	fail := func(e uint32) []byte { return abi.FSStatus(out[:0], e) }
	var mode int
	switch flags & (abi.FSOpenRead | abi.FSOpenWrite) {
	case abi.FSOpenRead:
		mode = os.O_RDONLY
	case abi.FSOpenWrite:
		mode = os.O_WRONLY
	case abi.FSOpenRead | abi.FSOpenWrite:
		mode = os.O_RDWR
	default:
		return fail(errINVAL)
	}
	if flags&^(abi.FSOpenRead|abi.FSOpenWrite|abi.FSOpenCreate|abi.FSOpenExcl|abi.FSOpenTrunc|abi.FSOpenAppend|abi.FSOpenDirectory) != 0 {
		return fail(errINVAL)
	}
	for _, b := range []struct {
		proto uint32
		os    int
	}{{abi.FSOpenCreate, os.O_CREATE}, {abi.FSOpenExcl, os.O_EXCL}, {abi.FSOpenTrunc, os.O_TRUNC}, {abi.FSOpenAppend, os.O_APPEND}} {
		if flags&b.proto != 0 {
			mode |= b.os
		}
	}
	if len(c.files) >= maxOpen {
		return fail(errMFILE)
	}
	f, err := c.s.fsys.OpenFile(p, mode, iofs.FileMode(perm&0o777))
	if err != nil {
		return fail(errnoOf(err))
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fail(errnoOf(err))
	}
	if flags&abi.FSOpenDirectory != 0 && !info.IsDir() {
		f.Close()
		return fail(errNOTDIR)
	}
	if info.IsDir() && flags&abi.FSOpenWrite != 0 {
		f.Close()
		return fail(errISDIR)
	}
	for c.next++; c.next == 0 || c.files[c.next] != nil; c.next++ {
	}
	id := c.next
	c.files[id] = &openFile{f: f, path: p, flags: flags, dir: info.IsDir()}
	out = abi.FSStatus(out, 0)
	out = le.AppendUint32(out, id)
	out = le.AppendUint32(out, 0)
	return attrOf(info).Marshal(out)
}

// file returns the open file whose id heads req, a request of at least
// n bytes.
func (c *client) file(req []byte, n int) (*openFile, uint32) {
	if len(req) < n {
		return nil, errINVAL
	}
	f := c.files[le.Uint32(req)]
	if f == nil {
		return nil, errBADF
	}
	return f, 0
}

// readDir answers FSReadDir from index on: as many entries as fit.
func (c *client) readDir(f *openFile, index int, out []byte) []byte {
	if index == 0 || f.list == nil {
		list, err := c.s.fsys.ReadDir(f.path)
		if err != nil {
			return abi.FSStatus(out[:0], errnoOf(err))
		}
		f.list = list
	}
	out = abi.FSStatus(out, 0)
	head := len(out)
	out = le.AppendUint32(out, 0)
	out = le.AppendUint32(out, 0)
	count := 0
	i := index
	for ; i < len(f.list); i++ {
		e := f.list[i]
		name := e.Name()
		if len(out)+abi.FSAttrSize+2+len(name) > abi.MaxData {
			break
		}
		info, err := e.Info()
		if err != nil {
			return abi.FSStatus(out[:0], errnoOf(err))
		}
		out = attrOf(info).Marshal(out)
		out = le.AppendUint16(out, uint16(len(name)))
		out = append(out, name...)
		count++
	}
	next := uint32(0)
	if i < len(f.list) {
		next = uint32(i)
	}
	le.PutUint32(out[head:], next)
	le.PutUint32(out[head+4:], uint32(count))
	return out
}

// attrOf is what the protocol says of a file.
func attrOf(info iofs.FileInfo) abi.FSAttr {
	mode := uint32(info.Mode().Perm())
	if info.IsDir() {
		mode |= abi.FSModeDir
	} else {
		mode |= abi.FSModeFile
	}
	return abi.FSAttr{Size: uint64(info.Size()), Mode: mode, MTime: info.ModTime().UnixNano()}
}

// cleanPath checks a path of a request: not too long, relative, clean.
func cleanPath(b []byte) (string, uint32) {
	if len(b) > abi.FSMaxPath {
		return "", errNAMETOOLONG
	}
	p := string(b)
	for i := 0; i < len(p); i++ {
		if p[i] == 0 {
			return "", errINVAL
		}
	}
	p = path.Clean("/" + p)[1:]
	if p == "" {
		p = "."
	}
	return p, 0
}

// errnoOf maps the file system's errors to Linux's numbers.
func errnoOf(err error) uint32 {
	var no syscall.Errno
	switch {
	case err == nil:
		return 0
	case errors.Is(err, fat.ErrReadOnly):
		return errROFS
	case errors.Is(err, fat.ErrNotEmpty):
		return errNOTEMPTY
	case errors.Is(err, fat.ErrIsDir):
		return errISDIR
	case errors.Is(err, fat.ErrNotDir):
		return errNOTDIR
	case errors.Is(err, fat.ErrNoSpace):
		return errNOSPC
	case errors.Is(err, fat.ErrTooLarge):
		return errFBIG
	case errors.Is(err, fat.ErrCorrupt):
		return errIO
	case errors.Is(err, iofs.ErrNotExist):
		return errNOENT
	case errors.Is(err, iofs.ErrExist):
		return errEXIST
	case errors.Is(err, iofs.ErrPermission):
		return errACCES
	case errors.Is(err, iofs.ErrInvalid):
		return errINVAL
	case errors.As(err, &no):
		return uint32(no)
	}
	return errIO
}
