package vtd

import (
	"clk/drivers/acpi"
	"clk/drivers/pci"
)

// PCI-to-PCI bridge header registers (PCI-to-PCI Bridge Architecture
// Specification 1.2, 3.2): the bus right below the bridge and the
// highest bus below it.
const (
	regSecondaryBus   = 0x19
	regSubordinateBus = 0x1a
)

// InScope reports whether the unit u translates the DMA of the function
// at a, found through cfg: u includes every function of its segment, or
// its device scope names the function (8.3.1) or a bridge above it. A
// scope's path is followed through the bridges it names, whose bus
// numbers are read from cfg as enumeration left them. Only segment 0 is
// reached through cfg.
func InScope(u acpi.RemappingUnit, cfg pci.Config, a pci.Addr) bool {
	if u.Segment != 0 {
		return false
	}
	if u.IncludeAll {
		return true
	}
	for _, s := range u.Scopes {
		if s.Type != acpi.ScopeEndpoint && s.Type != acpi.ScopeBridge || len(s.Path) == 0 {
			continue
		}
		bus := s.StartBus
		var dev pci.Addr
		for i, hop := range s.Path {
			if hop.Device >= 32 || hop.Function >= 8 {
				break
			}
			dev = pci.Addr{Bus: bus, Device: hop.Device, Function: hop.Function}
			if i < len(s.Path)-1 {
				bus = cfg.Read8(dev, regSecondaryBus)
			}
		}
		if dev == a {
			return true
		}
		if s.Type == acpi.ScopeBridge {
			lo, hi := cfg.Read8(dev, regSecondaryBus), cfg.Read8(dev, regSubordinateBus)
			if lo != 0 && lo <= a.Bus && a.Bus <= hi {
				return true
			}
		}
	}
	return false
}
