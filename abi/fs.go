package abi

// The file protocol: what a program (through the user runtime's file
// calls) or the kernel's shell says to the file system service over a
// channel of its own. Every request is a channel_call; the reply has the
// request's type and starts with an FSStatus: 0, or an error number as
// Linux numbers them (ENOENT 2, EIO 5, EBADF 9, EACCES 13, EEXIST 17,
// EXDEV 18, ENOTDIR 20, EISDIR 21, EINVAL 22, EMFILE 24, EFBIG 27,
// ENOSPC 28, EROFS 30, ENAMETOOLONG 36, ENOTEMPTY 39), which the user
// runtime's package syscall uses as they are.
//
// Paths are relative to the service's root, slash-separated, without a
// leading slash ("" is the root); names are at most 255 bytes and paths
// FSMaxPath. A file id names a file or directory the client opened; ids
// are the client's alone and die with its channel.
//
//	FSOpen      request: uint32 flags (FSOpenRead, FSOpenWrite, FSOpenCreate, FSOpenExcl, FSOpenTrunc, FSOpenAppend, FSOpenDirectory), uint32 permission bits, path
//	            reply:   status, then uint32 id, uint32 zero, FSAttr of what was opened
//	FSClose     request: uint32 id
//	FSRead      request: uint32 id, uint32 count (at most FSMaxIO), uint64 offset
//	            reply:   status, then the bytes read (fewer at the end of the file)
//	FSWrite     request: uint32 id, uint32 zero, uint64 offset (ignored for an id opened with FSOpenAppend), then the bytes
//	            reply:   status, then uint64 the file's size after the write
//	FSStat      request: path                 reply: status, FSAttr
//	FSFstat     request: uint32 id            reply: status, FSAttr
//	FSReadDir   request: uint32 id of a directory, uint32 index of the first entry wanted
//	            reply:   status, then uint32 index to ask next (0 at the end), uint32 count, then count entries:
//	                     FSAttr, uint16 name length, name
//	FSMkdir     request: uint32 permission bits, path
//	FSRemove    request: path (a file, or an empty directory)
//	FSRename    request: uint16 length of the old path, old path, new path
//	FSTruncate  request: uint32 id (opened for writing), uint32 zero, uint64 size
//	FSSync      request: uint32 id, or 0 for the whole volume
//	FSStatFS    request: nothing
//	            reply:   status, then uint64 total bytes, uint64 free bytes, uint32 block size, uint32 flags (FSReadOnly)
//
// A reply with no more than the status is all that FSClose, FSMkdir,
// FSRemove, FSRename, FSTruncate and FSSync return.
const (
	FSOpen     = 1
	FSClose    = 2
	FSRead     = 3
	FSWrite    = 4
	FSStat     = 5
	FSFstat    = 6
	FSReadDir  = 7
	FSMkdir    = 8
	FSRemove   = 9
	FSRename   = 10
	FSTruncate = 11
	FSSync     = 12
	FSStatFS   = 13

	// FSMaxIO is the most bytes one read or write moves.
	FSMaxIO = MaxData - 4096
	// FSMaxPath is the longest path a request carries.
	FSMaxPath = 1024

	// FSAttrSize is the size of an FSAttr record; FSStatusSize of the
	// status heading a reply.
	FSAttrSize   = 24
	FSStatusSize = 8

	// FSReadOnly in FSStatFS's flags: the volume refuses changes (EROFS).
	FSReadOnly = 1 << 0
)

// Flags of FSOpen.
const (
	FSOpenRead      = 1 << 0
	FSOpenWrite     = 1 << 1
	FSOpenCreate    = 1 << 2
	FSOpenExcl      = 1 << 3
	FSOpenTrunc     = 1 << 4
	FSOpenAppend    = 1 << 5
	FSOpenDirectory = 1 << 6 // the path must be a directory
)

// FSAttr describes a file.
//
//	offset 0   uint64 size in bytes
//	offset 8   uint32 mode: 0o040000 for a directory, 0o100000 for a regular file, with the permission bits
//	offset 12  uint32 zero
//	offset 16  int64  modification time, Unix nanoseconds
type FSAttr struct {
	Size  uint64
	Mode  uint32
	MTime int64
}

// Modes of FSAttr: the file types as stat(2) spells them.
const (
	FSModeDir  = 0o040000
	FSModeFile = 0o100000
	FSModeType = 0o170000
)

// Marshal appends the record to b.
func (s FSAttr) Marshal(b []byte) []byte {
	b = le.AppendUint64(b, s.Size)
	b = le.AppendUint32(b, s.Mode)
	b = le.AppendUint32(b, 0)
	return le.AppendUint64(b, uint64(s.MTime))
}

// UnmarshalFSAttr reads a record from the head of b.
func UnmarshalFSAttr(b []byte) (FSAttr, bool) {
	if len(b) < FSAttrSize {
		return FSAttr{}, false
	}
	return FSAttr{Size: le.Uint64(b), Mode: le.Uint32(b[8:]), MTime: int64(le.Uint64(b[16:]))}, true
}

// FSStatus heads every reply: 0 or a Linux error number, then four bytes
// of zero.
func FSStatus(b []byte, errno uint32) []byte {
	b = le.AppendUint32(b, errno)
	return le.AppendUint32(b, 0)
}

// FSStatusOf reads the status at the head of a reply; a reply too short
// to hold one is EIO (5).
func FSStatusOf(b []byte) uint32 {
	if len(b) < FSStatusSize {
		return 5
	}
	return le.Uint32(b)
}

// FSEnv is the environment variable that names, in hexadecimal as
// HandlesEnv does, the startup handle that is the program's channel to the
// file system service, which the user runtime mounts at FSMount.
const FSEnv = "CLK_FS"

// FSMount is where programs and the shell see the file system service's
// volume.
const FSMount = "/disk"
