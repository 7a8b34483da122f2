package abi

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"clk/kernel/cap"
)

// Host is the machine side of a process, which the calls on threads,
// memory and new processes need: kernel/proc implements it over page
// tables and ring-3 threads. A Caller without one (the host tests) gets
// ENOSYS from those calls.
type Host interface {
	// MapAnon reserves demand-zero memory (vm_map).
	MapAnon(addr, n uint64, write bool) (uint64, error)
	// Unmap removes anonymous memory (vm_unmap); keep leaves the range
	// reserved and only drops its contents.
	Unmap(addr, n uint64, keep bool) error
	// NewThread starts a thread (thread_create).
	NewThread(entry, stack, fsbase, arg uint64) (uint64, error)
	// ExitThread ends the calling thread once its syscall returns
	// (thread_exit); wait is stored to 0 when it has stopped.
	ExitThread(wait uint64)
	// SetFS sets the calling thread's FS base (thread_set_fs).
	SetFS(base uint64) error
	// FutexWait and FutexWake are futex_wait and futex_wake.
	FutexWait(addr uint64, val uint32, deadline time.Time, block bool) error
	FutexWake(addr uint64, n int) (int, error)
	// Spawn starts a program of the initrd (process_spawn). Once the
	// program is loaded and nothing else can fail, it calls take, which
	// moves the handles to pass out of the caller's table (all or none),
	// and starts the process with them. It returns the new process's
	// handle, to install in the caller's table.
	Spawn(image string, args []string, take func() ([]*cap.Cap, error)) (*cap.Cap, error)
	// Info returns what system_info reports.
	Info() SystemInfo
	// SetFaultEntry sets where faulting threads resume (fault_entry).
	SetFaultEntry(entry uint64) error
}

// SystemInfo is what system_info writes, in this order.
type SystemInfo struct {
	CPUs     uint64
	TSCBase  uint64
	TSCMult  uint64
	WallBase int64
	PageSize uint64
}

// SystemInfoSize is the size of SystemInfo in user memory.
const SystemInfoSize = 40

// Limits of process_spawn.
const (
	MaxImageName  = 64
	MaxSpawnArgs  = 4096
	MaxSpawnHands = 16
)

// VMUnmapKeep is vm_unmap's flag to keep the range reserved.
const VMUnmapKeep = 1

// Protections of vm_map.
const (
	ProtRead  = 1
	ProtWrite = 2
)

func (c *Caller) host() (Host, error) {
	if c.Host == nil {
		return nil, ErrNotImplemented
	}
	return c.Host, nil
}

func sysVMMap(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[2]&^(ProtRead|ProtWrite) != 0 || a[2]&ProtRead == 0 {
		return 0, fmt.Errorf("vm_map: protection %#x: %w", a[2], errInvalid)
	}
	if a[0]%4096 != 0 || a[1] == 0 || a[1]%4096 != 0 {
		return 0, fmt.Errorf("vm_map: %#x bytes at %#x: %w", a[1], a[0], errInvalid)
	}
	return h.MapAnon(a[0], a[1], a[2]&ProtWrite != 0)
}

func sysVMUnmap(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[0]%4096 != 0 || a[1] == 0 || a[1]%4096 != 0 {
		return 0, fmt.Errorf("vm_unmap: %#x bytes at %#x: %w", a[1], a[0], errInvalid)
	}
	if a[2]&^VMUnmapKeep != 0 {
		return 0, fmt.Errorf("vm_unmap: flags %#x: %w", a[2], errInvalid)
	}
	return 0, h.Unmap(a[0], a[1], a[2]&VMUnmapKeep != 0)
}

func sysProcessSpawn(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	name, err := userBytes(c, a[0], a[1], MaxImageName)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: image: %w", err)
	}
	if a[3] > MaxSpawnHands {
		return 0, fmt.Errorf("process_spawn: %d handles: %w", a[3], errTooLarge)
	}
	raw, err := userBytes(c, a[2], 4*a[3], 4*MaxSpawnHands)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: handles: %w", err)
	}
	argv, err := userBytes(c, a[4], a[5], MaxSpawnArgs)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: args: %w", err)
	}
	var args []string
	if len(argv) > 0 {
		if argv[len(argv)-1] != 0 {
			return 0, fmt.Errorf("process_spawn: args not NUL-terminated: %w", errInvalid)
		}
		for _, s := range bytes.Split(argv[:len(argv)-1], []byte{0}) {
			args = append(args, string(s))
		}
	}
	hs := make([]cap.Handle, a[3])
	for i := range hs {
		hs[i] = cap.Handle(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	take := func() ([]*cap.Cap, error) { return c.Proc.Handles.Take(hs, nil) }
	pc, err := h.Spawn(string(name), args, take)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: %w", err)
	}
	ph, err := c.Proc.Handles.Install(pc)
	if err != nil {
		pc.Close()
		return 0, fmt.Errorf("process_spawn: %w", err)
	}
	return uint64(ph), nil
}

func sysThreadCreate(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	return h.NewThread(a[0], a[1], a[2], a[3])
}

func sysThreadExit(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	h.ExitThread(a[0])
	return 0, nil
}

func sysThreadSetFS(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	return 0, h.SetFS(a[0])
}

func sysFutexWait(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[1] > 0xffffffff {
		return 0, fmt.Errorf("futex_wait: value %#x: %w", a[1], errInvalid)
	}
	deadline, block := k.deadline(a[2])
	return 0, h.FutexWait(a[0], uint32(a[1]), deadline, block)
}

func sysFutexWake(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[1] > 1<<31 {
		a[1] = 1 << 31
	}
	n, err := h.FutexWake(a[0], int(a[1]))
	return uint64(n), err
}

func sysSystemInfo(k *Kernel, c *Caller, a Args) (uint64, error) {
	if a[1] < SystemInfoSize {
		return 0, fmt.Errorf("system_info: %d bytes: %w", a[1], errInvalid)
	}
	var si SystemInfo
	if c.Host != nil {
		si = c.Host.Info()
	} else {
		si = SystemInfo{CPUs: 1, PageSize: 4096}
	}
	var b [SystemInfoSize]byte
	binary.LittleEndian.PutUint64(b[0:], si.CPUs)
	binary.LittleEndian.PutUint64(b[8:], si.TSCBase)
	binary.LittleEndian.PutUint64(b[16:], si.TSCMult)
	binary.LittleEndian.PutUint64(b[24:], uint64(si.WallBase))
	binary.LittleEndian.PutUint64(b[32:], si.PageSize)
	if err := c.Mem.CopyOut(a[0], b[:]); err != nil {
		return 0, fmt.Errorf("system_info: %w", err)
	}
	return 0, nil
}

func sysFaultEntry(k *Kernel, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	return 0, h.SetFaultEntry(a[0])
}
