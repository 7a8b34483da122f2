package fs

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"clk/abi"
	"clk/drivers/fat"
	"clk/sdk/module"
)

// instance is a Module over dev whose requests the test makes directly,
// as sdk/module's loop would.
type instance struct {
	t *testing.T
	m *Module
}

func newInstance(t *testing.T, dev *fat.MemDevice) *instance {
	return &instance{t: t, m: &Module{Mount: func(ro bool) (*fat.FS, error) { return fat.Mount(dev, fat.Options{ReadOnly: ro}) }}}
}

// call makes client's request and returns the reply's status and body.
func (in *instance) call(client uint64, typ uint32, req []byte) (uint32, []byte) {
	reply := bytes.Clone(in.m.Handle(module.Request{Service: "fs", Client: client, Type: typ, Data: req, Call: true}))
	return abi.FSStatusOf(reply), reply[abi.FSStatusSize:]
}

func (in *instance) open(client uint64, path string, flags uint32) uint32 {
	in.t.Helper()
	st, body := in.call(client, abi.FSOpen, append(append(u32(flags), u32(0o644)...), path...))
	if st != 0 {
		in.t.Fatalf("client %d: open %s: %d", client, path, st)
	}
	return binary.LittleEndian.Uint32(body)
}

func (in *instance) write(client uint64, id uint32, off uint64, data []byte) {
	in.t.Helper()
	req := append(append(u32(id), u32(0)...), binary.LittleEndian.AppendUint64(nil, off)...)
	if st, _ := in.call(client, abi.FSWrite, append(req, data...)); st != 0 {
		in.t.Fatalf("client %d: write id %d at %d: %d", client, id, off, st)
	}
}

func (in *instance) readAll(client uint64, id uint32) []byte {
	in.t.Helper()
	var got []byte
	for {
		req := append(append(u32(id), u32(abi.FSMaxIO)...), binary.LittleEndian.AppendUint64(nil, uint64(len(got)))...)
		st, body := in.call(client, abi.FSRead, req)
		if st != 0 {
			in.t.Fatalf("client %d: read id %d: %d", client, id, st)
		}
		if len(body) == 0 {
			return got
		}
		got = append(got, body...)
	}
}

func newDevice(t *testing.T) *fat.MemDevice {
	dev := fat.NewMemDevice(512, 1<<17)
	if err := fat.Format(dev, "TEST"); err != nil {
		t.Fatal(err)
	}
	return dev
}

// TestAReplacementKeepsEveryClientsOpenFiles has two clients with files
// open for writing, appending and listing, exports the instance's state
// in the middle of their writes and imports it into a new instance on
// the same disk: the ids still name the same files, the writes go on
// where they were, a new open gets a fresh id, and once the new instance
// unmounts the volume is clean and holds what both instances wrote.
func TestAReplacementKeepsEveryClientsOpenFiles(t *testing.T) {
	dev := newDevice(t)
	a := newInstance(t, dev)
	if err := a.m.Start(); err != nil {
		t.Fatal(err)
	}
	a.call(7, abi.FSMkdir, append(u32(0o755), "dir"...))
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320,000 bytes
	half := len(data) / 2
	w := a.open(7, "dir/written.bin", abi.FSOpenRead|abi.FSOpenWrite|abi.FSOpenCreate|abi.FSOpenTrunc)
	d := a.open(7, "dir", abi.FSOpenRead|abi.FSOpenDirectory)
	for off := 0; off < half; off += abi.FSMaxIO {
		a.write(7, w, uint64(off), data[off:min(off+abi.FSMaxIO, half)])
	}
	log := a.open(9, "log.txt", abi.FSOpenWrite|abi.FSOpenCreate|abi.FSOpenAppend)
	a.write(9, log, 0, []byte("before\n"))

	state, err := a.m.Export()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	b := newInstance(t, dev)
	if err := b.m.Import(state, "1.0.0"); err != nil {
		t.Fatalf("import: %v", err)
	}
	for off := half; off < len(data); off += abi.FSMaxIO {
		b.write(7, w, uint64(off), data[off:min(off+abi.FSMaxIO, len(data))])
	}
	b.write(9, log, 0, []byte("after\n"))
	if got := b.readAll(7, w); !bytes.Equal(got, data) {
		t.Errorf("read back through the new instance: %d bytes, differing from the %d written", len(got), len(data))
	}
	if st, body := b.call(7, abi.FSReadDir, append(u32(d), u32(0)...)); st != 0 || binary.LittleEndian.Uint32(body[4:]) != 1 {
		t.Errorf("readdir of the directory opened before: status %d, % x", st, body[:min(len(body), 8)])
	}
	if st, _ := b.call(9, abi.FSRead, append(append(u32(w), u32(10)...), make([]byte, 8)...)); st != errBADF {
		t.Errorf("client 9 read client 7's id: %d, want EBADF", st)
	}
	if fresh := b.open(7, "dir/new.txt", abi.FSOpenWrite|abi.FSOpenCreate); fresh == w || fresh == d {
		t.Errorf("a new open got id %d, already in use", fresh)
	}
	b.m.Gone(9)
	if err := b.m.Unmount(); err != nil {
		t.Fatal(err)
	}

	fsys, err := fat.Mount(dev, fat.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !fsys.MountReport().WasClean {
		t.Error("the volume is not clean after the new instance unmounted it")
	}
	for name, want := range map[string][]byte{"dir/written.bin": data, "log.txt": []byte("before\nafter\n")} {
		f, err := fsys.OpenFile(name, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(want)+1)
		n, _ := f.ReadAt(got, 0)
		if !bytes.Equal(got[:n], want) {
			t.Errorf("%s: %d bytes on the disk, want %d", name, n, len(want))
		}
	}
}

// TestAnExportedInstanceLeavesTheVolumeAlone: after an export, stopping
// the instance writes nothing, since the volume is the next instance's.
func TestAnExportedInstanceLeavesTheVolumeAlone(t *testing.T) {
	dev := newDevice(t)
	a := newInstance(t, dev)
	if err := a.m.Start(); err != nil {
		t.Fatal(err)
	}
	id := a.open(1, "f", abi.FSOpenWrite|abi.FSOpenCreate)
	a.write(1, id, 0, []byte("data"))
	if _, err := a.m.Export(); err != nil {
		t.Fatal(err)
	}
	before := dev.Clone()
	b := newInstance(t, dev)
	if err := b.m.Import(mustExportNothing(t), "1.0.0"); err != nil {
		t.Fatal(err)
	}
	id = b.open(1, "g", abi.FSOpenWrite|abi.FSOpenCreate)
	b.write(1, id, 0, []byte("written by the new instance"))
	if err := b.m.Unmount(); err != nil {
		t.Fatal(err)
	}
	after := dev.Clone()
	if err := a.m.Unmount(); err != nil {
		t.Fatal(err)
	}
	if sameDevice(before, dev) || !sameDevice(after, dev) {
		t.Error("the exported instance wrote to the volume as it stopped")
	}
}

func mustExportNothing(t *testing.T) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, stateMagic), 0)
}

func sameDevice(a, b *fat.MemDevice) bool {
	var x, y bytes.Buffer
	a.WriteTo(&x)
	b.WriteTo(&y)
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// TestAnImportRefusesAVolumeLeftUnsynced: an instance whose volume is
// not clean (the one before it changed it and did not export) refuses
// the state rather than repair the volume under it, and writes nothing.
func TestAnImportRefusesAVolumeLeftUnsynced(t *testing.T) {
	dev := newDevice(t)
	a := newInstance(t, dev)
	if err := a.m.Start(); err != nil {
		t.Fatal(err)
	}
	id := a.open(1, "f", abi.FSOpenWrite|abi.FSOpenCreate)
	a.write(1, id, 0, []byte("not synced"))
	before := dev.Clone()
	b := newInstance(t, dev)
	err := b.m.Import(mustExportNothing(t), "1.0.0")
	if err == nil || !strings.Contains(err.Error(), "not clean") {
		t.Fatalf("import over a volume not clean: %v", err)
	}
	if !sameDevice(before, dev) {
		t.Error("the refused import wrote to the volume")
	}
}

// TestMalformedStatesAreRefused: every truncation of a good state, and
// states with a file id 0, an absolute path or bytes after the end, are
// refused with errState.
func TestMalformedStatesAreRefused(t *testing.T) {
	dev := newDevice(t)
	a := newInstance(t, dev)
	if err := a.m.Start(); err != nil {
		t.Fatal(err)
	}
	a.open(3, "f", abi.FSOpenWrite|abi.FSOpenCreate)
	good, err := a.m.Export()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseState(good); err != nil {
		t.Fatalf("the good state: %v", err)
	}
	for n := range len(good) {
		if _, err := parseState(good[:n]); err == nil {
			t.Errorf("a state cut at %d of %d bytes accepted", n, len(good))
		}
	}
	zeroID := bytes.Clone(good)
	binary.LittleEndian.PutUint32(zeroID[24:], 0)
	for name, b := range map[string][]byte{"file id 0": zeroID, "trailing bytes": append(bytes.Clone(good), 0)} {
		if _, err := parseState(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseState: no state, however malformed, panics the parser, and
// every state it accepts names files by clean relative paths.
func FuzzParseState(f *testing.F) {
	f.Add(mustExportNothing(nil))
	f.Add([]byte("CFS1\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x01\x00f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		files, err := parseState(b)
		if err != nil {
			return
		}
		for _, sf := range files {
			if sf.path != "" && (strings.HasPrefix(sf.path, "/") || strings.Contains(sf.path, "..")) {
				t.Errorf("path %q accepted", sf.path)
			}
		}
	})
}
