//go:build clk

package main

import (
	"errors"
	"fmt"

	"clk/actor/shell"
	x86 "clk/arch/x86_64"
	"clk/drivers/acpi"
	"clk/drivers/pci"
	"clk/kernel/klog"
)

// identityMapped is the physical memory every machine has mapped: the
// runtime identity-maps the first 4 GiB, device memory included, and
// above that only RAM.
const identityMapped = 4 << 30

// enumeratePCI finds the PCI functions at boot, through ECAM when the
// MCFG describes it where the kernel can reach it, else through the
// legacy ports, and logs how many it found and how.
func enumeratePCI(log *klog.Log, tables *acpi.Tables) (pci.Config, []pci.Function) {
	cfg, how, err := pciConfig(tables)
	if err != nil {
		log.Printf("pci: %v", err)
		return nil, nil
	}
	fns := pci.Enumerate(cfg)
	malformed := 0
	for _, f := range fns {
		if f.Err != nil {
			malformed++
		}
	}
	log.Printf("pci: %d functions through %s, %d malformed", len(fns), how, malformed)
	return cfg, fns
}

// pciConfig picks the configuration mechanism and says which it is.
func pciConfig(tables *acpi.Tables) (pci.Config, string, error) {
	var why error
	if tables != nil {
		cfg, how, err := ecam(tables)
		if err == nil {
			return cfg, how, nil
		}
		why = err
	}
	if cfg := pci.NewPortConfig(x86.Ports{}); cfg != nil {
		how := "ports 0xcf8/0xcfc"
		if why != nil && !errors.Is(why, acpi.ErrNotFound) {
			how += fmt.Sprintf(" (no ECAM: %v)", why)
		}
		return cfg, how, nil
	}
	return nil, "", errors.New("no configuration mechanism: no usable MCFG and no host bridge at port 0xcf8")
}

// ecam returns the ECAM region of segment 0 that decodes bus 0.
func ecam(tables *acpi.Tables) (pci.Config, string, error) {
	regions, err := tables.MCFG()
	if err != nil {
		return nil, "", err
	}
	for _, r := range regions {
		if r.Segment != 0 || r.StartBus != 0 {
			continue
		}
		off, size := pci.ECAMWindow(r.StartBus, r.EndBus)
		if r.Base+off+size > identityMapped {
			return nil, "", fmt.Errorf("ECAM at %#x is above the identity-mapped 4 GiB", r.Base)
		}
		cfg, err := pci.NewECAM(x86.MMIO(r.Base+off), r.StartBus, r.EndBus)
		if err != nil {
			return nil, "", err
		}
		// A host bridge answers at 00:00.0 on every PC; all ones there
		// means the region does not decode what the table says.
		if cfg.Read16(pci.Addr{}, 0) == 0xffff {
			return nil, "", fmt.Errorf("ECAM at %#x: nothing answers at 00:00.0", r.Base)
		}
		return cfg, fmt.Sprintf("ECAM at %#x, buses %d-%d", r.Base, r.StartBus, r.EndBus), nil
	}
	return nil, "", fmt.Errorf("MCFG: no region for bus 0 of segment 0: %w", acpi.ErrNotFound)
}

// PCIFunctions is what lspci shows of the functions: each with the
// driver bound to it and the driver's process.
func (s *system) PCIFunctions() []shell.PCIFunction {
	if s.broker == nil {
		return nil
	}
	bs := s.broker.Functions()
	out := make([]shell.PCIFunction, 0, len(bs))
	for i := range bs {
		f := &bs[i].Function
		out = append(out, shell.PCIFunction{
			Addr:     f.Addr.String(),
			VendorID: f.VendorID,
			DeviceID: f.DeviceID,
			Class:    f.ClassName(),
			Driver:   bs[i].Driver,
			Process:  bs[i].PID,
			Details:  f.Details(),
		})
	}
	return out
}
