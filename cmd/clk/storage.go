//go:build clk

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
	_ "unsafe" // go:linkname

	"clk/abi"
	"clk/drivers/pci"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/klog"
	"clk/kernel/module"
	"clk/kernel/wait"
)

// Storage: the disk's driver (virtio-blk) serves the block protocol on a
// channel the kernel made; the file system service, the module fatfs
// (modules/fatfs), mounts the volume over the other end and serves files.
// /etc/modules.conf installs the module at boot; the kernel activates it
// through the module manager when the disk's driver starts, with the
// block channel as its grant, so that the manager restarts it by its
// policy and replaces it (mod replace) while its clients go on. The
// kernel connects to its service "fs" for itself, and package syscall
// mounts that channel at /disk in the kernel's file tree; each program it
// starts gets a channel of its own, which the program's runtime mounts
// there.
//
// A service that stops, fails or refuses the volume (fatfs refuses to
// start, saying why) takes /disk with it: the kernel removes the mount
// and says which disk is no longer mounted, so that /disk is then missing
// (ENOENT) rather than failing with EIO. Nothing activates the service
// again but a new start of the disk's driver (driver start), so a volume
// that cannot be mounted is refused once.

// The file system service's module and the service it provides.
const (
	fsModule  = "fatfs"
	fsService = "fs"
)

// fsRestart is the file system service's restart policy: the default's
// intensity, but from scratch. An instance that crashed may have left the
// volume not clean; a new one mounts it and repairs it, and its clients'
// open files are gone (EBADF), where a restart from the state of the last
// replacement would reopen files that may no longer be there.
var fsRestart = module.RestartPolicy{
	Intensity:  module.DefaultRestart.Intensity,
	Period:     module.DefaultRestart.Period,
	BackoffMin: module.DefaultRestart.BackoffMin,
	BackoffMax: module.DefaultRestart.BackoffMax,
}

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
	log *klog.Log
	// mods is the module manager; nil without one, and then no disk is
	// mounted.
	mods *modules

	// mu also orders the mounts and unmounts of /disk, which are made
	// under it. Lock order: storage.mu < package syscall's fsMu (taken
	// by mountService).
	mu sync.Mutex
	// client is the kernel's own client channel, nil while no service
	// is mounted.
	client *cap.Cap
	// settled is closed when /disk is first mounted, or the first
	// activation of the file system service fails.
	settled     chan struct{}
	settledOnce sync.Once
}

func newStorage(log *klog.Log, mods *modules) *storage {
	return &storage{log: log, mods: mods, settled: make(chan struct{})}
}

// Settled is closed once /disk is first mounted, or the first activation
// of the file system service has failed to mount it: what reads the disk
// at boot (the module manager's version floor) waits for it.
func (st *storage) Settled() <-chan struct{} { return st.settled }

func (st *storage) settle() { st.settledOnce.Do(func() { close(st.settled) }) }

// errNoService is the error of a request while no file system service
// runs: none was started, or the one started has ended.
var errNoService = errors.New("the disk is not mounted")

// start activates the file system service over the block channel blk
// (the kernel's end of the channel of the driver of the disk at a),
// stopping the instance that ran before, and mounts it at /disk in the
// kernel.
func (st *storage) start(a pci.Addr, blk *ipc.Endpoint) error {
	// Mounted or not, the disk is settled once this returns.
	defer st.settle()
	st.stop()
	if st.mods == nil {
		blk.Release()
		return fmt.Errorf("storage: the disk at %v is not mounted: %w", a, errNoManager)
	}
	mgr := st.mods.mgr
	status, err := mgr.Status(fsModule)
	if err == nil && len(status.Versions) == 0 {
		err = module.ErrNoVersion
	}
	if err != nil {
		blk.Release()
		return fmt.Errorf("storage: the disk at %v is not mounted: %s (install it in %s): %w", a, fsModule, modulesConf, err)
	}
	ver := highest(status.Versions)
	// Activate owns the grant from here on, and closes it on an error.
	if err := mgr.Activate(fsModule, ver, module.ActivateOptions{
		Policy: fsRestart,
		Grants: []*cap.Cap{cap.New(blk, serviceRights)},
	}); err != nil {
		return fmt.Errorf("storage: the disk at %v is not mounted: %w", a, err)
	}
	if status, err = mgr.Status(fsModule); err == nil {
		st.log.Printf("storage: %s %s (pid %d) serves the disk at %v", fsModule, ver, status.PID, a)
	}
	client, err := mgr.Connect(fsService)
	if err != nil {
		return fmt.Errorf("storage: the disk at %v is not mounted: %w", a, err)
	}
	ep := client.Object().(*ipc.Endpoint)
	st.mu.Lock()
	st.client = client
	go st.watch(client, a)
	// Under st.mu, so that watch's unmount comes after this mount.
	err = mountService(diskCall(ep))
	st.mu.Unlock()
	if err != nil {
		return fmt.Errorf("storage: mount %s: %w", abi.FSMount, err)
	}
	// The audit log's file is on the disk: its records, which never
	// wait for the disk, go there from now on. It is opened here, with
	// the service just started, so that what it says comes before the
	// prompt at boot rather than in the middle of a command.
	st.mods.audit.attach()
	return nil
}

// watch waits for the kernel's client channel c to the service of the
// disk at a to close: the manager closes it when the module stops, fails
// or is revoked (a restart or a replacement keeps it). Unless stop has
// already let go of c, the mount goes with it.
func (st *storage) watch(c *cap.Cap, a pci.Addr) {
	ep := c.Object().(*ipc.Endpoint)
	wait.One(ep.WaitSource(), abi.PeerClosed, wait.Forever)
	st.mu.Lock()
	if st.client != c {
		st.mu.Unlock()
		return
	}
	st.client = nil
	// Under st.mu, so that a start racing with this cannot have its
	// mount removed.
	err := mountService(nil)
	st.mu.Unlock()
	if err != nil {
		st.log.Printf("storage: unmount %s: %v", abi.FSMount, err)
	}
	c.Close()
	why := "its service is gone"
	if status, err := st.mods.mgr.Status(fsModule); err == nil {
		why = fmt.Sprintf("%s is %v", fsModule, status.State)
	}
	st.log.Printf("storage: the disk at %v is not mounted: %s", a, why)
}

// stop stops the file system service, if one runs: it syncs the volume
// as it goes.
func (st *storage) stop() {
	st.mu.Lock()
	client := st.client
	st.client = nil
	if client != nil {
		if err := mountService(nil); err != nil {
			st.log.Printf("storage: unmount %s: %v", abi.FSMount, err)
		}
	}
	st.mu.Unlock()
	if client != nil {
		client.Close()
	}
	if st.mods == nil {
		return
	}
	if status, err := st.mods.mgr.Status(fsModule); err == nil && status.State == module.Active {
		if err := st.mods.mgr.Stop(fsModule); err != nil {
			st.log.Printf("storage: stop %s: %v", fsModule, err)
		}
	}
}

// Connect returns a handle to a new client channel of the file system
// service, for a program to mount; errNoService when none runs.
func (st *storage) Connect() (*cap.Cap, error) {
	if st.mods == nil {
		return nil, errNoService
	}
	c, err := st.mods.mgr.Connect(fsService)
	if errors.Is(err, module.ErrNoService) {
		return nil, errNoService
	}
	return c, err
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
	n, errno := diskCall(client.Object().(*ipc.Endpoint))(typ, req, resp)
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
	running := st.client != nil
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
