//go:build clk

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path"
	"sync"
	"syscall"
	"time"
	_ "unsafe" // go:linkname

	"clk/abi"
	"clk/drivers/pci"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/klog"
	"clk/kernel/proc"
	fsservice "clk/services/fs"
)

// Storage: the disk's driver (virtio-blk) serves the block protocol on a
// channel the kernel made; the file system service (fatfs) mounts the
// volume over the other end and serves files. The kernel holds the
// service's control channel: through it, it makes a client channel for
// itself, which the kernel's package syscall mounts at /disk, and one
// for each program it starts, which the program's runtime mounts there.
//
// A service that ends on its own, such as one that refused the volume
// (fatfs exits saying why), takes /disk with it: the kernel removes the
// mount and says which disk is no longer mounted, so that /disk is then
// missing (ENOENT) rather than failing with EIO. Nothing starts the
// service again but a new start of the disk's driver (driver start), so
// a volume that cannot be mounted is refused once.

// fsProgram is the file system service's program in the initrd.
const fsProgram = "fatfs"

// The file protocol's schemas, as the kernel's channels take them.
var (
	fsSchema        = kernelSchema(fsservice.Schema)
	fsControlSchema = kernelSchema(fsservice.ControlSchema)
)

// le is the byte order of the file protocol.
var le = binary.LittleEndian

// mountService is package syscall's mount of the file system service at
// /disk in the kernel's own file tree (rt/src/syscall): call carries one
// request to the service and brings the reply back. A new call replaces
// the old; nil removes the mount.
//
//go:linkname mountService syscall.clkMountService
func mountService(call func(typ uint32, req, resp []byte) (int, syscall.Errno)) error

// storage runs the file system service over a block service.
type storage struct {
	log   *klog.Log
	procs *proc.System

	// mu also orders the mounts and unmounts of /disk, which are made
	// under it. Lock order: storage.mu < package syscall's fsMu (taken
	// by mountService).
	mu     sync.Mutex
	fs     *proc.Process // nil while none runs
	ctl    *ipc.Endpoint // the kernel's end of the service's control channel
	client *ipc.Endpoint // the kernel's own client channel
	// settled is closed when /disk is first mounted, or the first file
	// system service ends without.
	settled     chan struct{}
	settledOnce sync.Once
}

func newStorage(log *klog.Log, procs *proc.System) *storage {
	return &storage{log: log, procs: procs, settled: make(chan struct{})}
}

// Settled is closed once /disk is first mounted, or the first file system
// service has ended without mounting it: what reads the disk at boot
// (the module manager's version floor) waits for it.
func (st *storage) Settled() <-chan struct{} { return st.settled }

func (st *storage) settle() { st.settledOnce.Do(func() { close(st.settled) }) }

// errNoService is the error of a request while no file system service
// runs: none was started, or the one started has ended.
var errNoService = errors.New("the disk is not mounted")

// start runs the file system service over the block channel blk (the
// kernel's end of the channel of the driver of the disk at a), replacing
// the one that ran before, and mounts it at /disk in the kernel.
func (st *storage) start(a pci.Addr, blk *ipc.Endpoint) error {
	if _, err := os.Stat(path.Join(programDir, fsProgram)); err != nil {
		blk.Release()
		return fmt.Errorf("storage: no %s in the initrd", fsProgram)
	}
	st.stop()
	ctl, theirs, err := ipc.NewChannel(fsControlSchema, 0)
	if err != nil {
		blk.Release()
		return fmt.Errorf("storage: %w", err)
	}
	p, err := st.procs.Spawn(fsProgram, proc.SpawnOptions{
		Args:    []string{fsProgram},
		Handles: []*cap.Cap{cap.New(blk, serviceRights), cap.New(theirs, serviceRights)},
		Console: &logLines{log: st.log, prefix: fsProgram + ": "},
	})
	if err != nil {
		blk.Release()
		theirs.Release()
		ctl.Release()
		return fmt.Errorf("storage: start %s: %w", fsProgram, err)
	}
	st.mu.Lock()
	st.fs, st.ctl = p, ctl
	st.mu.Unlock()
	st.log.Printf("storage: %s (pid %d) serves the disk at %v", fsProgram, p.PID(), a)
	go st.watch(p, a)
	client, err := st.connect()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.fs != p {
		// The service has already ended (a refused volume does at
		// once): watch says so, and there is nothing to mount.
		if client != nil {
			client.Release()
		}
		return nil
	}
	if err != nil {
		return err
	}
	st.client = client
	// Under st.mu, so that watch's unmount comes after this mount.
	if err := mountService(diskCall(client)); err != nil {
		return fmt.Errorf("storage: mount %s: %w", abi.FSMount, err)
	}
	st.settle()
	return nil
}

// watch waits for the service p, started for the disk at a, to end. One
// that stop ended has been replaced or was meant to go; one that ended on
// its own leaves no service: its mount is removed.
func (st *storage) watch(p *proc.Process, a pci.Addr) {
	code, _ := p.Wait()
	defer st.settle()
	st.mu.Lock()
	if st.fs != p {
		st.mu.Unlock()
		st.log.Printf("storage: %s (pid %d) exited with status %d", fsProgram, p.PID(), code)
		return
	}
	ctl, client := st.ctl, st.client
	st.fs, st.ctl, st.client = nil, nil, nil
	// Under st.mu, so that a start racing with this cannot have its
	// mount removed.
	err := mountService(nil)
	st.mu.Unlock()
	if err != nil {
		st.log.Printf("storage: unmount %s: %v", abi.FSMount, err)
	}
	if client != nil {
		client.Release()
	}
	if ctl != nil {
		ctl.Release()
	}
	st.log.Printf("storage: the disk at %v is not mounted: %s (pid %d) exited with status %d", a, fsProgram, p.PID(), code)
}

// stop ends the file system service, if one runs.
func (st *storage) stop() {
	st.mu.Lock()
	p, ctl, client := st.fs, st.ctl, st.client
	st.fs, st.ctl, st.client = nil, nil, nil
	st.mu.Unlock()
	if client != nil {
		client.Release()
	}
	if ctl != nil {
		ctl.Release()
	}
	if p != nil {
		p.KillTree("file system service stopped")
		p.Wait()
	}
}

// connect makes a client channel: the service's end goes over the
// control channel, the other is returned.
func (st *storage) connect() (*ipc.Endpoint, error) {
	st.mu.Lock()
	ctl := st.ctl
	st.mu.Unlock()
	if ctl == nil {
		return nil, errNoService
	}
	mine, theirs, err := ipc.NewChannel(fsSchema, 0)
	if err != nil {
		return nil, fmt.Errorf("storage: connect: %w", err)
	}
	if err := ctl.Write(ipc.Message{Type: abi.FSConnect, Caps: []*cap.Cap{cap.New(theirs, serviceRights)}}, time.Time{}, true); err != nil {
		mine.Release()
		return nil, fmt.Errorf("storage: connect: %w", err)
	}
	return mine, nil
}

// Connect returns a handle to a new client channel of the file system
// service, for a program to mount; errNoService when none runs.
func (st *storage) Connect() (*cap.Cap, error) {
	ep, err := st.connect()
	if err != nil {
		return nil, err
	}
	return cap.New(ep, serviceRights), nil
}

// diskCall is the kernel's transport to the service over its client
// channel ep: one channel call per request. It stays with ep, whose file
// ids are ep's: once the service is gone every call fails with EIO, and a
// restarted service comes with a new channel and a new call.
func diskCall(ep *ipc.Endpoint) func(typ uint32, req, resp []byte) (int, syscall.Errno) {
	return func(typ uint32, req, resp []byte) (int, syscall.Errno) {
		m, err := ep.Call(ipc.Message{Type: typ, Data: req}, time.Time{})
		if err != nil {
			return 0, syscall.EIO
		}
		for _, c := range m.Caps {
			c.Close()
		}
		if m.Type != typ || len(m.Data) > len(resp) {
			return 0, syscall.EIO
		}
		return copy(resp, m.Data), 0
	}
}

// request sends one request on the kernel's own client channel and
// returns the reply's body after a zero status.
func (st *storage) request(typ uint32, req []byte) ([]byte, error) {
	st.mu.Lock()
	client := st.client
	st.mu.Unlock()
	if client == nil {
		return nil, errNoService
	}
	resp := make([]byte, abi.MaxData)
	n, errno := diskCall(client)(typ, req, resp)
	if errno != 0 {
		return nil, errno
	}
	if no := abi.FSStatusOf(resp[:n]); no != 0 {
		return nil, syscall.Errno(no)
	}
	return resp[abi.FSStatusSize:n], nil
}

// Usage reports the volume's size, free space and whether it is
// read-only.
func (st *storage) Usage() (total, free uint64, readOnly bool, err error) {
	b, err := st.request(abi.FSStatFS, nil)
	if err != nil {
		return 0, 0, false, err
	}
	if len(b) < 24 {
		return 0, 0, false, syscall.EIO
	}
	return le.Uint64(b), le.Uint64(b[8:]), le.Uint32(b[20:])&abi.FSReadOnly != 0, nil
}

// syncTimeout bounds how long a shutdown waits for the volume to be
// written out: a service that does not answer must not keep the machine
// up.
const syncTimeout = 5 * time.Second

// Sync asks the service to write out the whole volume, waiting at most
// syncTimeout. Without a service there is nothing to write.
func (st *storage) Sync() error {
	st.mu.Lock()
	running := st.fs != nil
	st.mu.Unlock()
	if !running {
		return nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := st.request(abi.FSSync, []byte{0, 0, 0, 0})
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(syncTimeout):
		return fmt.Errorf("storage: sync: no answer in %v", syncTimeout)
	}
}
