package modstore_test

import (
	"clk/modstore"
	"clk/modstore/modtest"
	"encoding/json"
	"strings"
	"testing"
)

func TestPolicyNamesTheCapabilityItRefuses(t *testing.T) {
	signer := modtest.Key("module-key").Public()
	var p modstore.Policy
	err := json.Unmarshal([]byte(`{"grants": [
		{"memory": 8388608, "threads": 2, "uses": ["log"]},
		{"modules": ["net*"], "devices": ["class:02"], "provides": ["net"], "memory": 33554432, "threads": 8},
		{"modules": ["netdrv"], "keys": ["`+string(signer.ID())+`"], "devices": ["id:1af4:1041"]}
	]}`), &p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*modstore.Manifest)
		signer *modstore.PublicKey
		want   string // "" when granted
	}{
		{"everything granted", nil, &signer, ""},
		{"the device grant is the key's", nil, nil, "device id:1af4:1041"},
		{"another class", func(m *modstore.Manifest) {
			m.Devices = append(m.Devices, modstore.Device{Kind: modstore.ByClass, Class: 1, Subclass: 6})
		}, &signer, "device class:01:06"},
		{"a subclass of a granted class", func(m *modstore.Manifest) {
			m.Devices = append(m.Devices, modstore.Device{Kind: modstore.ByClass, Class: 2, Subclass: 0})
		}, &signer, ""},
		{"memory over the largest grant", func(m *modstore.Manifest) { m.Memory = 64 << 20 }, &signer, "memory limit"},
		{"threads over the largest grant", func(m *modstore.Manifest) { m.Threads = 9 }, &signer, "thread limit"},
		{"a service used without grant", func(m *modstore.Manifest) { m.Uses = []string{"fs", "log"} }, &signer, "uses service fs"},
		{"a service provided without grant", func(m *modstore.Manifest) { m.Provides = []string{"dns", "net"} }, &signer, "provides service dns"},
	} {
		m := modtest.Manifest("netdrv")
		if tc.change != nil {
			tc.change(&m)
		}
		m.Normalize()
		err := p.Check(&m, tc.signer)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		refused(t, err, modstore.ErrNotGranted)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %q does not name %q", tc.name, err, tc.want)
		}
	}

	// A module outside the net* grants gets only the first.
	m := modtest.Manifest("fsdrv")
	m.Devices, m.Provides, m.Memory, m.Threads = nil, nil, 8<<20, 2
	if err := p.Check(&m, &signer); err != nil {
		t.Errorf("fsdrv within the grant for all: %v", err)
	}
	m.Provides = []string{"net"}
	refused(t, p.Check(&m, &signer), modstore.ErrNotGranted)
}
