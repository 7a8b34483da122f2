package qemu

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Prompt is what clk's serial shell prints when it waits for a command.
const Prompt = "clk> "

// DebugExitDevice is the device clk reports its exit status to: the guest
// writes V to port 0xf4 and QEMU ends with status (V << 1) | 1.
const DebugExitDevice = "isa-debug-exit,iobase=0xf4,iosize=0x04"

// LogItems are the QEMU log items that Command.Log records: each CPU reset
// with the registers, the "Triple fault" line, and the guest's misuse of
// devices.
const LogItems = "cpu_reset,guest_errors"

// MicrovmMachine is QEMU's minimal x86 machine with the legacy devices clk
// needs switched on: the COM1 UART, the RTC, the PIT (to calibrate the TSC,
// whose CPUID leaves TCG does not fill in) and the PIC. Option ROMs are off;
// its qboot firmware loads the kernel through the PVH note.
const MicrovmMachine = "microvm,x-option-roms=off,isa-serial=on,rtc=on,pit=on,pic=on"

// ErrNoOVMF reports that no OVMF firmware was found for a UEFI boot.
var ErrNoOVMF = errors.New("OVMF firmware not installed (Debian package ovmf)")

// Binary returns the QEMU binary to run: CLK_QEMU, or qemu-system-x86_64.
func Binary() string { return cmp.Or(os.Getenv("CLK_QEMU"), "qemu-system-x86_64") }

// Memory returns the default guest memory: CLK_QEMU_MEM, or 512M.
func Memory() string { return cmp.Or(os.Getenv("CLK_QEMU_MEM"), "512M") }

// Accel returns the default accelerator: CLK_QEMU_ACCEL, or tcg (kvm works
// where the host allows it).
func Accel() string { return cmp.Or(os.Getenv("CLK_QEMU_ACCEL"), "tcg") }

// Boot is one way to boot a guest in QEMU: a name for logs and tables, the
// machine type, and the arguments that choose the firmware and the
// artefact.
type Boot struct {
	Name    string   // e.g. "PVH, -M microvm"
	Machine string   // QEMU's -M: "pc" or MicrovmMachine
	Args    []string // e.g. -kernel build/clk.elf
}

// Kernel loads kernel directly (QEMU -kernel): a clk ELF through its PVH
// note, a Linux bzImage through Linux's boot protocol. initrd and cmdline
// may be empty.
func Kernel(name, machine, kernel, initrd, cmdline string) Boot {
	args := []string{"-kernel", kernel}
	if initrd != "" {
		args = append(args, "-initrd", initrd)
	}
	if cmdline != "" {
		args = append(args, "-append", cmdline)
	}
	return Boot{Name: name, Machine: machine, Args: args}
}

// PVH boots an ELF kernel through its PVH note on a QEMU machine, "pc" or
// MicrovmMachine, with an empty command line and no initrd.
func PVH(machine, kernel string) Boot {
	return Kernel("PVH, -M "+strings.Split(machine, ",")[0], machine, kernel, "", "")
}

// BIOS boots an ISO image from SeaBIOS on -M pc.
func BIOS(iso string) Boot {
	return Boot{Name: "ISO, BIOS, -M pc", Machine: "pc", Args: []string{"-cdrom", iso, "-boot", "d"}}
}

// RawImage boots a raw disk image from SeaBIOS on a QEMU machine, "pc"
// (an IDE disk) or "q35" (AHCI); the guest's writes go to a temporary
// overlay (snapshot=on), not to the image.
func RawImage(machine, img string) Boot {
	return Boot{Name: "image, BIOS, -M " + machine, Machine: machine, Args: []string{"-drive", "format=raw,snapshot=on,file=" + optionValue(img)}}
}

// UEFI boots an ISO image from OVMF on -M pc. OVMF keeps its variables in a
// writable flash image, so UEFI copies the installed template into dir, which
// must outlive the boot.
func UEFI(iso, dir string) (Boot, error) {
	code, vars, ok := OVMF()
	if !ok {
		return Boot{}, ErrNoOVMF
	}
	template, err := os.ReadFile(vars)
	if err != nil {
		return Boot{}, fmt.Errorf("uefi: %w", err)
	}
	varsCopy := filepath.Join(dir, "OVMF_VARS.fd")
	if err := os.WriteFile(varsCopy, template, 0o644); err != nil {
		return Boot{}, fmt.Errorf("uefi: %w", err)
	}
	return Boot{Name: "ISO, UEFI, -M pc", Machine: "pc", Args: []string{
		"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + optionValue(code),
		"-drive", "if=pflash,format=raw,unit=1,file=" + optionValue(varsCopy),
		"-cdrom", iso, "-boot", "d",
	}}, nil
}

// OVMF returns the paths of the UEFI firmware code and of the template of
// its variable store, taken from CLK_OVMF_CODE and CLK_OVMF_VARS when both
// are set, else from Debian's ovmf package. The two must come from the same
// build: a 4 MiB code image needs the 4 MiB variable store.
func OVMF() (code, vars string, ok bool) {
	pairs := [][2]string{
		{os.Getenv("CLK_OVMF_CODE"), os.Getenv("CLK_OVMF_VARS")},
		{"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"},
		{"/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"},
	}
	for _, p := range pairs {
		if p[0] == "" || p[1] == "" {
			continue
		}
		if isFile(p[0]) && isFile(p[1]) {
			return p[0], p[1], true
		}
	}
	return "", "", false
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// optionValue escapes a value for a QEMU key=value option list, where a
// comma is written as two.
func optionValue(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// Console says where the guest's serial console and QEMU's monitor go.
type Console int

const (
	// Piped puts the serial console on QEMU's standard input and output
	// and has no monitor: for programs that read the console.
	Piped Console = iota
	// Terminal multiplexes the serial console and the monitor on QEMU's
	// standard input and output, for a person at a terminal: Ctrl-A C
	// switches between them, Ctrl-A X quits.
	Terminal
	// Listening serves the serial console on a TCP address of the host
	// (Command.ConsoleAddr), for a client to connect to, and has no
	// monitor: for make debug, whose terminal is the debugger's.
	Listening
)

// Command is one QEMU command line for clk: every program that starts QEMU
// builds it here, so that the tests, the benchmarks, the exec wrapper and
// make qemu run the same machine. The zero value of each field but Boot
// means its default.
type Command struct {
	Boot Boot
	// Memory is the guest's memory, QEMU's -m; empty means Memory().
	Memory string
	// CPUs is the number of vCPUs, QEMU's -smp; zero means 1.
	CPUs int
	// Accel is the accelerator; empty means Accel().
	Accel string
	// Console says where the serial console and the monitor go.
	Console Console
	// ConsoleAddr is the host:port a Listening console is served on.
	ConsoleAddr string
	// Display is QEMU's -display; empty means none.
	Display string
	// QMP, when set, is the path of a Unix socket on which QEMU serves
	// QMP.
	QMP string
	// Paused starts the machine with its CPUs stopped (-S) until a QMP
	// client sends "cont", so that the client sees every event.
	Paused bool
	// PauseOnStop makes a guest's power-off, and with -no-reboot a reset
	// or triple fault, pause the machine instead of ending QEMU, so that
	// a QMP client can read the registers before it quits QEMU.
	PauseOnStop bool
	// Log, when set, is the file QEMU writes its log to: of LogItems, or
	// of Items when that is set (QEMU's -d, e.g. "cpu_reset,int").
	Log   string
	Items string
	// Extra are further arguments, after all others.
	Extra []string
}

// Args returns QEMU's arguments, without the binary: -M from the Boot, a
// CPU with every feature TCG has (-cpu max), no reboot (a triple fault ends
// or, with PauseOnStop, pauses the machine rather than resetting it), the
// isa-debug-exit device through which clk reports its exit status, then the
// Boot's arguments and Extra.
func (c Command) Args() []string {
	args := []string{
		"-M", cmp.Or(c.Boot.Machine, "pc"),
		"-cpu", "max",
		"-accel", cmp.Or(c.Accel, Accel()),
		"-m", cmp.Or(c.Memory, Memory()),
		"-smp", strconv.Itoa(max(c.CPUs, 1)),
		"-display", cmp.Or(c.Display, "none"),
		"-no-reboot",
	}
	switch c.Console {
	case Terminal:
		args = append(args, "-serial", "mon:stdio")
	case Listening:
		args = append(args, "-serial", "tcp:"+optionValue(c.ConsoleAddr)+",server=on,wait=off", "-monitor", "none")
	default:
		args = append(args, "-serial", "stdio", "-monitor", "none")
	}
	args = append(args, "-device", DebugExitDevice)
	if c.QMP != "" {
		args = append(args, "-qmp", "unix:"+optionValue(c.QMP)+",server=on,wait=off")
	}
	if c.Paused {
		args = append(args, "-S")
	}
	if c.PauseOnStop {
		args = append(args, "-action", "shutdown=pause")
	}
	if c.Log != "" {
		args = append(args, "-d", cmp.Or(c.Items, LogItems), "-D", c.Log)
	}
	args = append(args, c.Boot.Args...)
	return append(args, c.Extra...)
}

// String returns the command line as a shell would show it, for logs.
func (c Command) String() string {
	words := append([]string{Binary()}, c.Args()...)
	for i, w := range words {
		if w == "" || strings.ContainsAny(w, " \t\n\"'\\$`|&;<>()*?[]#~") {
			words[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(words, " ")
}

// GuestStatus decodes QEMU's exit status: with isa-debug-exit a guest status
// V shows as (V << 1) | 1, so an odd status carries V and ok is true. Status
// 0 means an ACPI power-off, or with -no-reboot a triple fault; QEMU also
// exits with 1 for its own errors, which only its messages tell apart from a
// guest status 0.
func GuestStatus(qemuStatus int) (status int, ok bool) {
	if qemuStatus < 0 || qemuStatus&1 == 0 {
		return 0, false
	}
	return qemuStatus >> 1, true
}
