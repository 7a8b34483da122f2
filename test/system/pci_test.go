package system

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"clk/internal/qemu"
)

// lspciLine matches a function's line of lspci: address, vendor:device,
// class, driver and process ("-" and "-" when no driver has it).
var lspciLine = regexp.MustCompile(`^([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])  ([0-9a-f]{4}:[0-9a-f]{4})  (.+?) +(\S+) +(\S+)$`)

// pciFunction is a function as lspci -v lists it.
type pciFunction struct {
	addr, id, class, driver, process string
	details                          []string
}

// parseLspci reads lspci -v: a header, then a line per function with its
// details indented under it.
func parseLspci(t *testing.T, reply string) []pciFunction {
	t.Helper()
	lines := strings.Split(strings.TrimRight(reply, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "ADDR ") {
		t.Fatalf("lspci -v: no header:\n%s", reply)
	}
	var fns []pciFunction
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, " ") && len(fns) > 0 {
			fns[len(fns)-1].details = append(fns[len(fns)-1].details, strings.TrimSpace(l))
			continue
		}
		m := lspciLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("lspci -v: line %q is neither a function nor its details", l)
		}
		fns = append(fns, pciFunction{addr: m[1], id: m[2], class: strings.TrimSpace(m[3]), driver: m[4], process: m[5]})
	}
	return fns
}

// find returns the functions with vendor:device id.
func find(fns []pciFunction, id string) []pciFunction {
	var out []pciFunction
	for _, f := range fns {
		if f.id == id {
			out = append(out, f)
		}
	}
	return out
}

// TestKernelListsPCI boots build/clk.elf on both of QEMU's PC machines
// with a virtio entropy device and checks what lspci shows. The
// chipsets' own functions are fixed by QEMU: on -M pc the i440FX host
// bridge 8086:1237 at 00:00.0 and the PIIX3 ISA bridge 8086:7000 at
// 00:01.0, reached through the ports; on -M q35 the host bridge 8086:29c0
// at 00:00.0 and the ICH9 LPC (an ISA bridge) 8086:2918 at 00:1f.0,
// reached through ECAM from the MCFG.
//
// The virtio device's ID depends on where it sits (virtio 1.x, 4.1.2.1:
// a transitional device has ID 0x1000 + its old number, 0x1005 for the
// entropy source; a modern-only one 0x1040 + its device type, 4, so
// 0x1044). QEMU's virtio-pci devices default to disable-legacy=auto,
// which keeps the legacy interface, and so the transitional ID, on a
// conventional PCI bus (-M pc's bus 0, and q35's root bus, where the
// device is an integrated endpoint) and drops it behind a PCI Express
// port. So on pc the device is 1af4:1005 on bus 0; on q35 it sits behind
// a pcie-root-port, a bridge to bus 1, as 1af4:1044, which the walk must
// reach through the bridge.
func TestKernelListsPCI(t *testing.T) {
	elf := artefact(t, "CLK_SYSTEST_ELF")
	initrd := artefact(t, "CLK_SYSTEST_INITRD") // the drivers
	cases := []struct {
		machine string
		extra   []string
		method  string
		want    map[string]string // vendor:device -> class
		rng     string            // the virtio entropy device's ID
		rngBus  string            // and the bus it must be found on
	}{
		{
			machine: "pc",
			extra:   []string{"-device", "virtio-rng-pci"},
			method:  "through ports 0xcf8/0xcfc",
			want:    map[string]string{"8086:1237": "host bridge", "8086:7000": "ISA bridge"},
			rng:     "1af4:1005",
			rngBus:  "00",
		},
		{
			machine: "q35",
			extra: []string{
				"-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1",
				"-device", "virtio-rng-pci,bus=rp1",
			},
			method: "through ECAM at 0xb0000000",
			want:   map[string]string{"8086:29c0": "host bridge", "8086:2918": "ISA bridge", "1b36:000c": "PCI bridge"},
			rng:    "1af4:1044",
			rngBus: "01",
		},
	}
	for _, c := range cases {
		t.Run(c.machine, func(t *testing.T) {
			boot := qemu.PVH(c.machine, elf)
			boot.Args = append(boot.Args, "-initrd", initrd)
			m := startMachineWith(t, boot, directLimits, qemu.Options{Args: c.extra})
			if _, err := m.Expect(qemu.Prompt, directLimits.boot); err != nil {
				t.Fatalf("boot: %v", err)
			}
			if log := command(t, m, "dmesg | grep pci:", directLimits); !strings.Contains(log, c.method) {
				t.Errorf("the boot log does not say the functions were found %s: %q", c.method, log)
			}
			fns := parseLspci(t, command(t, m, "lspci -v", directLimits))
			for id, class := range c.want {
				got := find(fns, id)
				if len(got) != 1 || got[0].class != class {
					t.Errorf("%s: %+v, want one %s", id, got, class)
				}
			}
			for _, f := range fns {
				if f.id != c.rng && (f.driver != "-" || f.process != "-") {
					t.Errorf("%s (%s): driver %q process %q, want - and -: no driver exists for it", f.addr, f.id, f.driver, f.process)
				}
				for _, d := range f.details {
					if strings.HasPrefix(d, "malformed") {
						t.Errorf("%s: %s", f.addr, d)
					}
				}
			}
			rng := find(fns, c.rng)
			if len(rng) != 1 {
				t.Fatalf("virtio entropy device %s: found %d:\n%+v", c.rng, len(rng), fns)
			}
			r := rng[0]
			if !strings.HasPrefix(r.addr, c.rngBus+":") || r.class != "other 00ff" {
				t.Errorf("virtio entropy device at %s, class %q; want bus %s, class 00ff (other)", r.addr, r.class, c.rngBus)
			}
			// The broker started the device's driver, a process of its
			// own, which feeds the kernel's random pool.
			if r.driver != "virtio-rng" || !regexp.MustCompile(`^[0-9]+$`).MatchString(r.process) {
				t.Errorf("virtio entropy device: driver %q process %q, want virtio-rng and its pid", r.driver, r.process)
			} else if ps := command(t, m, "ps | grep virtio-rng", directLimits); !regexp.MustCompile(`(?m)^\s*` + r.process + `\s+virtio-rng\s`).MatchString(ps) {
				t.Errorf("ps does not list the driver's process %s:\n%s", r.process, ps)
			}
			fed := regexp.MustCompile(`virtio-rng: ` + regexp.QuoteMeta(r.addr) + `: fed the kernel's pool [0-9]+ bytes`)
			for try := 0; ; try++ {
				log := command(t, m, "dmesg", directLimits)
				if fed.MatchString(log) {
					break
				}
				if try == 20 {
					t.Errorf("the driver did not feed the random pool:\n%s", log)
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			// QEMU's virtio-pci devices put the virtio 1.x structures in
			// a 64-bit prefetchable memory BAR and offer MSI-X, with the
			// table in one of their BARs.
			details := strings.Join(r.details, "\n")
			if !regexp.MustCompile(`BAR[0-5] memory 64-bit prefetchable at 0x[0-9a-f]+, [0-9]+ KiB`).MatchString(details) {
				t.Errorf("virtio entropy device: no 64-bit prefetchable memory BAR in\n%s", details)
			}
			if !regexp.MustCompile(`MSI-X: [0-9]+ vectors?, table BAR[0-5]\+0x[0-9a-f]+, PBA BAR[0-5]\+0x[0-9a-f]+`).MatchString(details) {
				t.Errorf("virtio entropy device: no MSI-X in\n%s", details)
			}
			if got := command(t, m, "lspci | wc -l", directLimits); got != strconv.Itoa(len(fns)+1)+"\n" {
				t.Errorf("lspci | wc -l = %q, want %d (a header and a line per function)", got, len(fns)+1)
			}
		})
	}
}
