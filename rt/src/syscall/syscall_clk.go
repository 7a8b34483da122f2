// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

// clk has no system call boundary under the standard library: package
// syscall is the operating system. It presents a small Unix with one
// process, a console on descriptors 0 to 2, a file system held in memory
// (fs_clk.go: read-only but for a writable /tmp, tmp_clk.go) and in-memory
// pipes. Numbers and names follow Linux so that the Unix code in os,
// internal/poll and time runs unchanged.

import (
	errorspkg "errors"
	"internal/oserror"
	"internal/strconv"
	"sync"
	"unsafe"
)

// An Errno is an unsigned number describing an error condition.
// It implements the error interface. The zero Errno is by convention
// a non-error, so code to convert from Errno to error should use:
//
//	err = nil
//	if errno != 0 {
//		err = errno
//	}
//
// Errno values can be tested against error values using [errors.Is].
// For example:
//
//	_, err := syscall.Open(...)
//	if errors.Is(err, fs.ErrNotExist) ...
type Errno uintptr

func (e Errno) Error() string {
	if 0 <= int(e) && int(e) < len(errorstr) {
		s := errorstr[e]
		if s != "" {
			return s
		}
	}
	return "errno " + strconv.Itoa(int(e))
}

func (e Errno) Is(target error) bool {
	switch target {
	case oserror.ErrPermission:
		return e == EACCES || e == EPERM
	case oserror.ErrExist:
		return e == EEXIST || e == ENOTEMPTY
	case oserror.ErrNotExist:
		return e == ENOENT
	case errorspkg.ErrUnsupported:
		return e == ENOSYS || e == ENOTSUP || e == EOPNOTSUPP
	}
	return false
}

func (e Errno) Temporary() bool {
	return e == EINTR || e == EMFILE || e == ENFILE || e.Timeout()
}

func (e Errno) Timeout() bool {
	return e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT
}

// A Signal is a number describing a process signal.
// It implements the [os.Signal] interface.
// clk delivers no signals; the values, Linux's numbers, exist for code
// that names them.
type Signal int

const (
	SIGHUP    Signal = 1
	SIGINT    Signal = 2
	SIGQUIT   Signal = 3
	SIGILL    Signal = 4
	SIGTRAP   Signal = 5
	SIGABRT   Signal = 6
	SIGBUS    Signal = 7
	SIGFPE    Signal = 8
	SIGKILL   Signal = 9
	SIGUSR1   Signal = 10
	SIGSEGV   Signal = 11
	SIGUSR2   Signal = 12
	SIGPIPE   Signal = 13
	SIGALRM   Signal = 14
	SIGTERM   Signal = 15
	SIGSTKFLT Signal = 16
	SIGCHLD   Signal = 17
	SIGCONT   Signal = 18
	SIGSTOP   Signal = 19
	SIGTSTP   Signal = 20
	SIGTTIN   Signal = 21
	SIGTTOU   Signal = 22
	SIGURG    Signal = 23
	SIGXCPU   Signal = 24
	SIGXFSZ   Signal = 25
	SIGVTALRM Signal = 26
	SIGPROF   Signal = 27
	SIGWINCH  Signal = 28
	SIGIO     Signal = 29
	SIGPOLL   Signal = SIGIO
	SIGPWR    Signal = 30
	SIGSYS    Signal = 31
)

func (s Signal) Signal() {}

func (s Signal) String() string {
	if 0 <= s && int(s) < len(signals) {
		str := signals[s]
		if str != "" {
			return str
		}
	}
	return "signal " + strconv.Itoa(int(s))
}

var signals = [...]string{
	SIGHUP:    "hangup",
	SIGINT:    "interrupt",
	SIGQUIT:   "quit",
	SIGILL:    "illegal instruction",
	SIGTRAP:   "trace/breakpoint trap",
	SIGABRT:   "aborted",
	SIGBUS:    "bus error",
	SIGFPE:    "floating point exception",
	SIGKILL:   "killed",
	SIGUSR1:   "user defined signal 1",
	SIGSEGV:   "segmentation fault",
	SIGUSR2:   "user defined signal 2",
	SIGPIPE:   "broken pipe",
	SIGALRM:   "alarm clock",
	SIGTERM:   "terminated",
	SIGSTKFLT: "stack fault",
	SIGCHLD:   "child exited",
	SIGCONT:   "continued",
	SIGSTOP:   "stopped (signal)",
	SIGTSTP:   "stopped",
	SIGTTIN:   "stopped (tty input)",
	SIGTTOU:   "stopped (tty output)",
	SIGURG:    "urgent I/O condition",
	SIGXCPU:   "CPU time limit exceeded",
	SIGXFSZ:   "file size limit exceeded",
	SIGVTALRM: "virtual timer expired",
	SIGPROF:   "profiling timer expired",
	SIGWINCH:  "window changed",
	SIGIO:     "I/O possible",
	SIGPWR:    "power failure",
	SIGSYS:    "bad system call",
}

const (
	Stdin  = 0
	Stdout = 1
	Stderr = 2
)

const (
	O_RDONLY    = 0x0
	O_WRONLY    = 0x1
	O_RDWR      = 0x2
	O_ACCMODE   = 0x3
	O_CREAT     = 0x40
	O_CREATE    = O_CREAT
	O_EXCL      = 0x80
	O_NOCTTY    = 0x100
	O_TRUNC     = 0x200
	O_APPEND    = 0x400
	O_NONBLOCK  = 0x800
	O_SYNC      = 0x101000
	O_DIRECTORY = 0x10000
	O_NOFOLLOW  = 0x20000
	O_CLOEXEC   = 0x80000
)

// Commands of fcntl, which clk does not implement (see
// internal/syscall/unix.Fcntl).
const (
	F_GETFD = 0x1
	F_SETFD = 0x2
	F_GETFL = 0x3
	F_SETFL = 0x4
)

const (
	S_IFMT   = 0xf000
	S_IFSOCK = 0xc000
	S_IFLNK  = 0xa000
	S_IFREG  = 0x8000
	S_IFBLK  = 0x6000
	S_IFDIR  = 0x4000
	S_IFCHR  = 0x2000
	S_IFIFO  = 0x1000

	S_ISUID = 0x800
	S_ISGID = 0x400
	S_ISVTX = 0x200

	S_IRWXU = 0x1c0
	S_IRUSR = 0x100
	S_IWUSR = 0x80
	S_IXUSR = 0x40
	S_IRWXG = 0x38
	S_IRGRP = 0x20
	S_IWGRP = 0x10
	S_IXGRP = 0x8
	S_IRWXO = 0x7
	S_IROTH = 0x4
	S_IWOTH = 0x2
	S_IXOTH = 0x1
)

// Directory entry types, as in Dirent.Type.
const (
	DT_UNKNOWN = 0x0
	DT_FIFO    = 0x1
	DT_CHR     = 0x2
	DT_DIR     = 0x4
	DT_BLK     = 0x6
	DT_REG     = 0x8
	DT_LNK     = 0xa
	DT_SOCK    = 0xc
)

const (
	SEEK_SET = 0
	SEEK_CUR = 1
	SEEK_END = 2
)

const PathMax = 4096

type Timespec struct {
	Sec  int64
	Nsec int64
}

type Timeval struct {
	Sec  int64
	Usec int64
}

func setTimespec(sec, nsec int64) Timespec {
	return Timespec{Sec: sec, Nsec: nsec}
}

func setTimeval(sec, usec int64) Timeval {
	return Timeval{Sec: sec, Usec: usec}
}

type Stat_t struct {
	Dev     uint64
	Ino     uint64
	Nlink   uint64
	Mode    uint32
	Uid     uint32
	Gid     uint32
	Rdev    uint64
	Size    int64
	Blksize int64
	Blocks  int64
	Atim    Timespec
	Mtim    Timespec
	Ctim    Timespec
}

// A Dirent is the header of one record that ReadDirent returns: the
// Linux layout, with Name holding a NUL-terminated name and Reclen a
// multiple of 8.
type Dirent struct {
	Ino    uint64
	Off    int64
	Reclen uint16
	Type   uint8
	Name   [256]byte
	_      [5]byte
}

func direntIno(buf []byte) (uint64, bool) {
	return readInt(buf, unsafe.Offsetof(Dirent{}.Ino), unsafe.Sizeof(Dirent{}.Ino))
}

func direntReclen(buf []byte) (uint64, bool) {
	return readInt(buf, unsafe.Offsetof(Dirent{}.Reclen), unsafe.Sizeof(Dirent{}.Reclen))
}

func direntNamlen(buf []byte) (uint64, bool) {
	reclen, ok := direntReclen(buf)
	if !ok {
		return 0, false
	}
	return reclen - uint64(unsafe.Offsetof(Dirent{}.Name)), true
}

// Iovec exists for the writev cache of internal/poll; clk has no writev.
type Iovec struct{}

// Processes: clk runs one program, so there is nothing to start, wait
// for or signal. The types exist for package os.

var ForkLock sync.RWMutex

type WaitStatus uint32

func (w WaitStatus) Exited() bool       { return false }
func (w WaitStatus) ExitStatus() int    { return 0 }
func (w WaitStatus) Signaled() bool     { return false }
func (w WaitStatus) Signal() Signal     { return 0 }
func (w WaitStatus) CoreDump() bool     { return false }
func (w WaitStatus) Stopped() bool      { return false }
func (w WaitStatus) Continued() bool    { return false }
func (w WaitStatus) StopSignal() Signal { return 0 }
func (w WaitStatus) TrapCause() int     { return 0 }

type Rusage struct {
	Utime Timeval
	Stime Timeval
}

type ProcAttr struct {
	Dir   string
	Env   []string
	Files []uintptr
	Sys   *SysProcAttr
}

type SysProcAttr struct{}

func StartProcess(argv0 string, argv []string, attr *ProcAttr) (pid int, handle uintptr, err error) {
	return 0, 0, ENOSYS
}

func Wait4(pid int, wstatus *WaitStatus, options int, rusage *Rusage) (wpid int, err error) {
	return 0, ENOSYS
}

func Kill(pid int, signum Signal) error {
	return ENOSYS
}

// now returns the wall clock time. It is runtime.syscall_now, pushed via
// linkname.
func now() (sec int64, nsec int32)

func Gettimeofday(tv *Timeval) error {
	sec, nsec := now()
	*tv = setTimeval(sec, int64(nsec)/1e3)
	return nil
}

func Getpid() int  { return 1 }
func Getppid() int { return 0 }
func Getuid() int  { return 0 }
func Geteuid() int { return 0 }
func Getgid() int  { return 0 }
func Getegid() int { return 0 }

func Getgroups() ([]int, error) { return []int{}, nil }
