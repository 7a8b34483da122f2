package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
	"unsafe"
)

// What the program prepares as Linux's /init.
const (
	moduleDir = "/modules" // the initramfs's kernel modules, loaded in name order
	diskDev   = "/dev/vda" // the virtio disk
	diskDir   = "/disk"
	// guestAddr is the address QEMU's user network gives its first DHCP
	// client, which clk gets, and which the hostfwd rules lead to.
	guestAddr = "10.0.2.15"
	guestMask = "255.255.255.0"
)

// sysFinitModule is finit_module(2)'s number on amd64, which package
// syscall does not name.
const sysFinitModule = 313

// deviceWait bounds the wait for the disk and the network interface to
// appear after their drivers' modules are loaded.
const deviceWait = 30 * time.Second

// isInit reports whether the program is the machine's /init.
func isInit() bool { return os.Getpid() == 1 }

// setup prepares the machine when the program is its /init; elsewhere,
// where the machine is ready, it does nothing.
func setup() error {
	if !isInit() {
		return nil
	}
	for _, m := range []struct{ fs, dir string }{{"devtmpfs", "/dev"}, {"proc", "/proc"}, {"sysfs", "/sys"}} {
		if err := mount(m.fs, m.dir, m.fs); err != nil {
			return err
		}
	}
	if err := loadModules(moduleDir); err != nil {
		return err
	}
	var errs []error
	if err := waitFor(func() error { _, err := os.Stat(diskDev); return err }); err != nil {
		errs = append(errs, err)
	} else if err := mount(diskDev, diskDir, "vfat"); err != nil {
		errs = append(errs, err)
	}
	if err := configureNetwork(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func mount(source, dir, fstype string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mount %s: %w", dir, err)
	}
	if err := syscall.Mount(source, dir, fstype, 0, ""); err != nil && !errors.Is(err, syscall.EBUSY) {
		return fmt.Errorf("mount %s on %s (%s): %w", source, dir, fstype, err)
	}
	return nil
}

// loadModules loads every module file in dir, in the order of their names,
// which scripts/linux-guest.sh gave so that each comes after those it
// depends on. One already there (EEXIST) is fine.
func loadModules(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.ko"))
	if err != nil {
		return err
	}
	slices.Sort(names)
	empty := []byte{0}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("load module: %w", err)
		}
		_, _, errno := syscall.Syscall(sysFinitModule, f.Fd(), uintptr(unsafe.Pointer(&empty[0])), 0)
		f.Close()
		if errno != 0 && errno != syscall.EEXIST {
			return fmt.Errorf("load module %s: %w", filepath.Base(name), errno)
		}
	}
	return nil
}

// waitFor calls check until it succeeds or deviceWait passes.
func waitFor(check func() error) error {
	deadline := time.Now().Add(deviceWait)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// configureNetwork brings the loopback and the first other interface up,
// the latter with guestAddr.
func configureNetwork() error {
	var ifname string
	err := waitFor(func() error {
		ifs, err := net.Interfaces()
		if err != nil {
			return err
		}
		for _, i := range ifs {
			if i.Flags&net.FlagLoopback == 0 {
				ifname = i.Name
				return nil
			}
		}
		return errors.New("no network interface")
	})
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	defer syscall.Close(fd)
	if err := setUp(fd, "lo"); err != nil {
		return err
	}
	if err := setAddr(fd, ifname, syscall.SIOCSIFADDR, guestAddr); err != nil {
		return err
	}
	if err := setAddr(fd, ifname, syscall.SIOCSIFNETMASK, guestMask); err != nil {
		return err
	}
	return setUp(fd, ifname)
}

// ifreqAddr is struct ifreq with a struct sockaddr_in in its union.
type ifreqAddr struct {
	name   [syscall.IFNAMSIZ]byte
	family uint16
	port   uint16
	addr   [4]byte
	_      [8]byte
}

// ifreqFlags is struct ifreq with its flags in its union.
type ifreqFlags struct {
	name  [syscall.IFNAMSIZ]byte
	flags uint16
	_     [22]byte
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

func setAddr(fd int, ifname string, req uintptr, addr string) error {
	ip := net.ParseIP(addr).To4()
	r := ifreqAddr{family: syscall.AF_INET}
	copy(r.name[:], ifname)
	copy(r.addr[:], ip)
	if err := ioctl(fd, req, unsafe.Pointer(&r)); err != nil {
		return fmt.Errorf("network: %s %s: %w", ifname, addr, err)
	}
	return nil
}

func setUp(fd int, ifname string) error {
	var r ifreqFlags
	copy(r.name[:], ifname)
	if err := ioctl(fd, syscall.SIOCGIFFLAGS, unsafe.Pointer(&r)); err != nil {
		return fmt.Errorf("network: %s flags: %w", ifname, err)
	}
	r.flags |= syscall.IFF_UP | syscall.IFF_RUNNING
	if err := ioctl(fd, syscall.SIOCSIFFLAGS, unsafe.Pointer(&r)); err != nil {
		return fmt.Errorf("network: %s up: %w", ifname, err)
	}
	return nil
}

// dropCache writes the file system's dirty pages out and drops the page
// cache, so that the read that follows comes from the disk. Only the
// machine's /init may: elsewhere it would drop the host's cache, so it
// fails and there is no read figure.
func dropCache() error {
	if !isInit() {
		return errors.New("not the machine's /init: the page cache stays")
	}
	syscall.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0)
}

// finish ends the machine when the program is its /init: it unmounts the
// disk and powers off (reboot(2) with LINUX_REBOOT_CMD_POWER_OFF), after
// which QEMU exits with status 0. The /init must never return, which
// would panic the kernel.
func finish() {
	if !isInit() {
		return
	}
	syscall.Sync()
	syscall.Unmount(diskDir, 0)
	if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		fmt.Printf("iobench: power off: %v\n", err)
	}
}
