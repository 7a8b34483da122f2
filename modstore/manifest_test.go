package modstore_test

import (
	"bytes"
	"clk/modstore"
	"clk/modstore/modtest"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestVersionsParseAndCompareNumerically(t *testing.T) {
	v, err := modstore.ParseVersion("1.10.0")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := modstore.ParseVersion("1.9.12")
	if v.Compare(w) != 1 || w.Compare(v) != -1 || v.Compare(v) != 0 {
		t.Errorf("1.10.0 against 1.9.12: %d", v.Compare(w))
	}
	if v.String() != "1.10.0" {
		t.Errorf("String %q", v)
	}
	for _, bad := range []string{"", "1.2", "1.2.3.4", "01.2.3", "1.2.3-rc1", "+1.2.3", "1.2.x", "1..3", "4294967296.0.0"} {
		if _, err := modstore.ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}

func TestDevicesParseAndCover(t *testing.T) {
	for _, s := range []string{"class:02", "class:02:00", "id:1af4:1041"} {
		d, err := modstore.ParseDevice(s)
		if err != nil || d.String() != s {
			t.Errorf("ParseDevice(%q) = %v, %v", s, d, err)
		}
	}
	for _, bad := range []string{"class:2", "class:002", "class:02:0", "id:1af4", "id:1af4:10411", "pci:02", "class:zz", ""} {
		if _, err := modstore.ParseDevice(bad); err == nil {
			t.Errorf("ParseDevice(%q) accepted", bad)
		}
	}
	anyNet, _ := modstore.ParseDevice("class:02")
	ether, _ := modstore.ParseDevice("class:02:00")
	storage, _ := modstore.ParseDevice("class:01:00")
	virtio, _ := modstore.ParseDevice("id:1af4:1041")
	switch {
	case !anyNet.Covers(ether), !anyNet.Covers(anyNet), !ether.Covers(ether), !virtio.Covers(virtio):
		t.Error("a device does not cover what it should")
	case ether.Covers(anyNet), anyNet.Covers(storage), anyNet.Covers(virtio):
		t.Error("a device covers more than it should")
	}
}

func TestManifestsEncodeOneWay(t *testing.T) {
	m := modtest.Manifest("netdrv")
	m.Devices = append(m.Devices, modstore.Device{Kind: modstore.ByClass, Class: 2, Subclass: modstore.AnySubclass})
	m.Uses = []string{"log", "fs", "log"}
	if _, err := m.MarshalBinary(); !errors.Is(err, modstore.ErrBadManifest) {
		t.Fatalf("unsorted lists encoded: %v", err)
	}
	m.Normalize()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back modstore.Manifest
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("round trip: %+v, want %+v", back, m)
	}
	// The same manifest with its uses swapped is not canonical.
	swapped := bytes.Replace(b, []byte("\x02fs\x03log"), []byte("\x03log\x02fs"), 1)
	if bytes.Equal(swapped, b) {
		t.Fatal("test manifest's uses not found")
	}
	err = back.UnmarshalBinary(swapped)
	refused(t, err, modstore.ErrBadManifest)
	err = back.UnmarshalBinary(append(b, 0))
	refused(t, err, modstore.ErrBadManifest)
	err = back.UnmarshalBinary(b[:len(b)-1])
	refused(t, err, modstore.ErrBadManifest)
}

func TestManifestFieldsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*modstore.Manifest)
		field  string
	}{
		{"empty name", func(m *modstore.Manifest) { m.Name = "" }, "name"},
		{"upper case", func(m *modstore.Manifest) { m.Name = "Net" }, "name"},
		{"leading dash", func(m *modstore.Manifest) { m.Name = "-net" }, "name"},
		{"slash", func(m *modstore.Manifest) { m.Name = "net/drv" }, "name"},
		{"long name", func(m *modstore.Manifest) { m.Name = strings.Repeat("n", modstore.MaxName+1) }, "name"},
		{"no memory", func(m *modstore.Manifest) { m.Memory = 0 }, "memory"},
		{"too much memory", func(m *modstore.Manifest) { m.Memory = modstore.MaxMemory + 1 }, "memory"},
		{"no thread", func(m *modstore.Manifest) { m.Threads = 0 }, "thread"},
		{"too many threads", func(m *modstore.Manifest) { m.Threads = 257 }, "thread"},
		{"class out of range", func(m *modstore.Manifest) {
			m.Devices = []modstore.Device{{Kind: modstore.ByClass, Class: 0x100}}
		}, "device"},
		{"no kind", func(m *modstore.Manifest) { m.Devices = []modstore.Device{{VendorID: 1}} }, "device"},
		{"bad service", func(m *modstore.Manifest) { m.Provides = []string{"Net"} }, "provides"},
		{"too many services", func(m *modstore.Manifest) {
			m.Uses = nil
			for i := range modstore.MaxServices + 1 {
				m.Uses = append(m.Uses, string(rune('a'+i/26))+string(rune('a'+i%26)))
			}
		}, "uses"},
	} {
		m := modtest.Manifest("netdrv")
		tc.change(&m)
		err := m.Validate()
		if !errors.Is(err, modstore.ErrBadManifest) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want %v naming %s", tc.name, err, modstore.ErrBadManifest, tc.field)
		}
	}
}

func TestTheJSONFormIsReadable(t *testing.T) {
	m := modstore.Wrap(modtest.Manifest("netdrv"), modtest.TinyELF()).Manifest
	b, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"version":"1.2.3"`, `"devices":["id:1af4:1041"]`, `"elf_sha256":"` + m.ELFSHA256.String() + `"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	var back modstore.Manifest
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("JSON round trip: %+v, %v", back, err)
	}
}
