package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

// run returns the exit status.
func run() int {
	mem := flag.String("mem", "", "guest memory (default CLK_QEMU_MEM, else 512M)")
	smp := flag.Int("smp", 2, "guest CPUs")
	accel := flag.String("accel", "", "accelerator (default CLK_QEMU_ACCEL, else tcg)")
	display := flag.String("display", "none", "QEMU display: none, or gtk, sdl, curses to see the VGA screen")
	kernel := flag.String("kernel", "", "kernel ELF, booted through its PVH note")
	initrd := flag.String("initrd", "", "initrd for -kernel")
	iso := flag.String("iso", "", "ISO image, booted through GRUB")
	uefi := flag.String("uefi", "", "boot the ISO from UEFI, with OVMF's variables copied into this directory")
	rng := flag.Bool("rng", true, "attach a virtio entropy device")
	disk := flag.String("disk", "", "raw disk image to attach as a virtio block device")
	network := flag.Bool("net", true, "attach a virtio network device on QEMU's user network (restrict=on)")
	httpPort := flag.Int("http-port", 0, "host port on 127.0.0.1 forwarded to the guest's port 80 (0: none)")
	hostServer := flag.String("host-server", "", "loopback server (127.0.0.1:PORT) the guest reaches at "+qemu.GuestFwd.String())
	relay := flag.String("relay", "", "be the relay QEMU runs for a guest connection to the host server: copy standard input and output to this loopback address")
	flag.Parse()
	if *relay != "" {
		if err := qemu.Relay(*relay, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "clkboot:", err)
			return 1
		}
		return 0
	}
	var self string
	if *hostServer != "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "clkboot:", err)
			return 1
		}
		// QEMU runs "self -relay ADDR" for each connection: a script
		// beside the binary holds the flag, since the rule's command
		// takes the address as its one argument.
		self = filepath.Join(filepath.Dir(exe), "clkboot-relay")
		script := "#!/bin/sh\nexec " + exe + " -relay \"$1\"\n"
		if err := os.WriteFile(self, []byte(script), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "clkboot:", err)
			return 1
		}
	}
	devices, err := qemu.Devices{RNG: *rng, Disk: *disk, Net: *network, HTTPPort: *httpPort, HostServer: *hostServer, Relay: self}.Args()
	if err != nil {
		fmt.Fprintln(os.Stderr, "clkboot:", err)
		return 2
	}
	var boot qemu.Boot
	switch {
	case (*kernel == "") == (*iso == ""):
		fmt.Fprintln(os.Stderr, "clkboot: give one of -kernel and -iso")
		return 2
	case *kernel != "":
		boot = qemu.Kernel("PVH", "pc", *kernel, *initrd, "")
	case *uefi != "":
		b, err := qemu.UEFI(*iso, *uefi)
		if err != nil {
			fmt.Fprintln(os.Stderr, "clkboot:", err)
			return 1
		}
		boot = b
	default:
		boot = qemu.BIOS(*iso)
	}
	c := qemu.Command{
		Boot:    boot,
		Memory:  *mem,
		CPUs:    *smp,
		Accel:   *accel,
		Console: qemu.Terminal,
		Display: *display,
		Extra:   append(devices, flag.Args()...),
	}
	fmt.Println(c)
	cmd := exec.Command(qemu.Binary(), c.Args()...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// A Ctrl-C that reaches the terminal before QEMU makes it raw goes
	// to QEMU too; this program stays to say how QEMU ended.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt, syscall.SIGQUIT)
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		fmt.Println("qemu: powered off")
		return 0
	case !errors.As(err, &exit):
		fmt.Fprintln(os.Stderr, "clkboot:", err)
		return 1
	}
	if status, ok := qemu.GuestStatus(exit.ExitCode()); ok {
		fmt.Printf("qemu: guest exit status %d\n", status)
		return status
	}
	fmt.Printf("qemu: QEMU failed with status %d\n", exit.ExitCode())
	return 1
}
