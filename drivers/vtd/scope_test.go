package vtd

import (
	"testing"

	"clk/drivers/acpi"
	"clk/drivers/pci"
)

// bridgeConfig is configuration space where only bridges' bus numbers
// answer: secondary and subordinate bus by bridge.
type bridgeConfig struct {
	pci.Config
	buses map[pci.Addr][2]uint8
}

func (c bridgeConfig) Read8(a pci.Addr, off uint16) uint8 {
	switch off {
	case regSecondaryBus:
		return c.buses[a][0]
	case regSubordinateBus:
		return c.buses[a][1]
	}
	return 0xff
}

// QEMU's q35 lists each device of the root bus in its unit's scope, and
// a root port (a bridge) with what is below it; a unit may also name an
// endpoint behind a bridge by a path of two hops.
func TestAUnitTranslatesForTheFunctionsItsScopeNames(t *testing.T) {
	port := pci.Addr{Device: 1}
	deep := pci.Addr{Device: 5}
	cfg := bridgeConfig{buses: map[pci.Addr][2]uint8{
		port: {1, 2},
		deep: {5, 5},
	}}
	u := acpi.RemappingUnit{Scopes: []acpi.DeviceScope{
		{Type: acpi.ScopeIOAPIC, StartBus: 0xff, Path: []acpi.PathHop{{Device: 0, Function: 0}}},
		{Type: acpi.ScopeEndpoint, Path: []acpi.PathHop{{Device: 3, Function: 0}}},
		{Type: acpi.ScopeBridge, Path: []acpi.PathHop{{Device: 1, Function: 0}}},
		{Type: acpi.ScopeEndpoint, Path: []acpi.PathHop{{Device: 5, Function: 0}, {Device: 2, Function: 1}}},
	}}
	for a, want := range map[pci.Addr]bool{
		{Device: 3}:                      true,
		{Device: 3, Function: 1}:         false,
		{Device: 4}:                      false,
		port:                             true,
		{Bus: 1, Device: 0}:              true,
		{Bus: 2, Device: 7, Function: 2}: true,
		{Bus: 3}:                         false,
		{Bus: 5, Device: 2, Function: 1}: true,
		{Bus: 5, Device: 2}:              false,
		{Bus: 0xff}:                      false,
	} {
		if got := InScope(u, cfg, a); got != want {
			t.Errorf("%v in scope: %v, want %v", a, got, want)
		}
	}
	all := acpi.RemappingUnit{IncludeAll: true}
	if !InScope(all, cfg, pci.Addr{Bus: 9, Device: 9}) {
		t.Error("a unit that includes all of segment 0 does not translate for 09:09.0")
	}
	all.Segment = 1
	if InScope(all, cfg, pci.Addr{Device: 3}) {
		t.Error("a unit of segment 1 translates for a function of segment 0")
	}
}
