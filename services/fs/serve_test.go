package fs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"clk/abi"
	"clk/drivers/fat"
	"clk/kernel/object"
	"clk/kernel/syscalls"
	"clk/sdk"
	"clk/sdk/module"
)

// testClient is a client of a service over a fresh FAT32 volume in
// memory, reached through the kernel's direct backend on the host.
type testClient struct {
	t  *testing.T
	ch sdk.Channel
}

// clientSchema is a client channel's protocol, as the module manager
// makes it for a module's service: every type up to FSStatFS carries a
// message's worth of data and no handles.
var clientSchema = func() sdk.Schema {
	var s sdk.Schema
	for typ := uint32(abi.FSOpen); typ <= abi.FSStatFS; typ++ {
		s = append(s, sdk.MessageSpec{Type: typ, MaxData: abi.MaxData})
	}
	return s
}()

// controlSchema is what the tests say to the module's service loop in
// the module manager's place: a start, attachments and a stop, after the
// instance's hello.
var controlSchema = sdk.Schema{
	{Type: abi.ModHello},
	{Type: abi.ModStart, MaxData: abi.ModMaxText + 1},
	{Type: abi.ModReady},
	{Type: abi.ModRefused, MaxData: abi.ModMaxText},
	{Type: abi.ModAttach, MaxData: 8 + abi.ModMaxText, Handles: []sdk.HandleSpec{{Type: abi.TypeChannel, Rights: abi.RightRead | abi.RightWrite | abi.RightWait}}},
	{Type: abi.ModStop},
}

// serve starts the service as a module's instance does (sdk/module's
// loop, started from scratch) and returns a connect function that
// attaches new clients to it, as the module manager does.
func serve(t *testing.T) func() *testClient {
	t.Helper()
	dev := fat.NewMemDevice(512, 1<<17) // 64 MiB: FAT32 wants 65,525 clusters
	if err := fat.Format(dev, "TEST"); err != nil {
		t.Fatal(err)
	}
	p := object.NewProcess(t.Name(), 0, nil)
	sdk.SetBackend(syscalls.Direct(syscalls.NewDispatcher(), &syscalls.Caller{Proc: p, Mem: syscalls.KernelSpace{}}))
	ctl, theirs, err := sdk.NewChannel(controlSchema, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	svc := &Module{Mount: func(ro bool) (*fat.FS, error) { return fat.Mount(dev, fat.Options{ReadOnly: ro}) }}
	go func() { done <- module.Serve(theirs, svc) }()
	if m, err := ctl.Read(make([]byte, abi.ModMaxText), nil, sdk.Never); err != nil || m.Type != abi.ModHello {
		t.Fatalf("hello: message %d, %v", m.Type, err)
	}
	if err := ctl.Write(abi.ModStart, []byte{0}, nil, sdk.Never); err != nil {
		t.Fatal(err)
	}
	if m, err := ctl.Read(make([]byte, abi.ModMaxText), nil, sdk.Never); err != nil || m.Type != abi.ModReady {
		t.Fatalf("start: message %d, %v", m.Type, err)
	}
	var clients []sdk.Channel
	t.Cleanup(func() {
		// The service loop ends before the backend goes: a call after
		// that would reach no kernel.
		for _, c := range clients {
			c.Close()
		}
		if err := ctl.Write(abi.ModStop, nil, nil, sdk.Never); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if err := svc.Unmount(); err != nil {
			t.Errorf("Unmount: %v", err)
		}
		ctl.Close()
		p.Exit(0)
		sdk.SetBackend(nil)
	})
	return func() *testClient {
		mine, peer, err := sdk.NewChannel(clientSchema, 0)
		if err != nil {
			t.Fatal(err)
		}
		attach := binary.LittleEndian.AppendUint64(nil, uint64(len(clients)+1))
		if err := ctl.Write(abi.ModAttach, append(attach, "fs"...), []sdk.Handle{peer.Handle}, sdk.Never); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, mine)
		return &testClient{t: t, ch: mine}
	}
}

// call makes a request and returns the reply's status and body.
func (c *testClient) call(typ uint32, req []byte) (uint32, []byte) {
	c.t.Helper()
	rb := make([]byte, abi.MaxData)
	m, err := c.ch.Call(typ, req, nil, rb, nil, sdk.Never)
	if err != nil {
		c.t.Fatalf("call %d: %v", typ, err)
	}
	return abi.FSStatusOf(m.Data), m.Data[abi.FSStatusSize:]
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func (c *testClient) open(path string, flags uint32) (uint32, uint32) {
	c.t.Helper()
	st, body := c.call(abi.FSOpen, append(append(u32(flags), u32(0o644)...), path...))
	if st != 0 {
		return 0, st
	}
	return binary.LittleEndian.Uint32(body), 0
}

func (c *testClient) write(id uint32, off uint64, data []byte) (uint64, uint32) {
	req := append(append(u32(id), u32(0)...), binary.LittleEndian.AppendUint64(nil, off)...)
	st, body := c.call(abi.FSWrite, append(req, data...))
	if st != 0 {
		return 0, st
	}
	return binary.LittleEndian.Uint64(body), 0
}

func (c *testClient) read(id uint32, off uint64, n uint32) ([]byte, uint32) {
	req := append(append(u32(id), u32(n)...), binary.LittleEndian.AppendUint64(nil, off)...)
	st, body := c.call(abi.FSRead, req)
	return body, st
}

func TestFilesAreWrittenReadAndListed(t *testing.T) {
	c := serve(t)()
	if st, _ := c.call(abi.FSMkdir, append(u32(0o755), "docs"...)); st != 0 {
		t.Fatalf("mkdir: %d", st)
	}
	id, st := c.open("docs/A Long File Name.txt", abi.FSOpenRead|abi.FSOpenWrite|abi.FSOpenCreate|abi.FSOpenExcl)
	if st != 0 {
		t.Fatalf("open: %d", st)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160,000 bytes: three writes
	for off := 0; off < len(data); off += abi.FSMaxIO {
		end := min(off+abi.FSMaxIO, len(data))
		size, st := c.write(id, uint64(off), data[off:end])
		if st != 0 || size != uint64(end) {
			t.Fatalf("write at %d: status %d, size %d", off, st, size)
		}
	}
	var got []byte
	for off := 0; ; {
		b, st := c.read(id, uint64(off), abi.FSMaxIO)
		if st != 0 {
			t.Fatalf("read at %d: %d", off, st)
		}
		if len(b) == 0 {
			break
		}
		got, off = append(got, b...), off+len(b)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, differing from the %d written", len(got), len(data))
	}
	if st, body := c.call(abi.FSStat, []byte("docs/a long file name.TXT")); st != 0 {
		t.Fatalf("stat by another case: %d", st)
	} else if a, _ := abi.UnmarshalFSAttr(body); a.Size != uint64(len(data)) || a.Mode&abi.FSModeType != abi.FSModeFile {
		t.Fatalf("stat: %+v", a)
	}
	if _, st := c.open("docs/a long file name.txt", abi.FSOpenWrite|abi.FSOpenCreate|abi.FSOpenExcl); st != errEXIST {
		t.Errorf("exclusive create of an existing file: %d, want EEXIST", st)
	}
	if st, _ := c.call(abi.FSRemove, []byte("docs")); st != errNOTEMPTY {
		t.Errorf("remove of a full directory: %d, want ENOTEMPTY", st)
	}
	rename := append(binary.LittleEndian.AppendUint16(nil, uint16(len("docs/A Long File Name.txt"))), "docs/A Long File Name.txtdocs/b.txt"...)
	if st, _ := c.call(abi.FSRename, rename); st != 0 {
		t.Fatalf("rename: %d", st)
	}
	if _, st := c.open("docs/A Long File Name.txt", abi.FSOpenRead); st != errNOENT {
		t.Errorf("open of the old name: %d, want ENOENT", st)
	}
	if st, _ := c.call(abi.FSClose, u32(id)); st != 0 {
		t.Fatalf("close: %d", st)
	}
	if _, st := c.read(id, 0, 10); st != errBADF {
		t.Errorf("read of a closed id: %d, want EBADF", st)
	}
	if st, body := c.call(abi.FSStatFS, nil); st != 0 || len(body) != 24 || binary.LittleEndian.Uint64(body[8:]) >= binary.LittleEndian.Uint64(body) {
		t.Errorf("statfs: %d, %x", st, body)
	}
}

func TestLargeDirectoriesAreListedInPages(t *testing.T) {
	c := serve(t)()
	c.call(abi.FSMkdir, append(u32(0o755), "many"...))
	const n = 300
	for i := range n {
		id, st := c.open(fmt.Sprintf("many/file number %03d", i), abi.FSOpenWrite|abi.FSOpenCreate)
		if st != 0 {
			t.Fatalf("create %d: %d", i, st)
		}
		c.call(abi.FSClose, u32(id))
	}
	dir, st := c.open("many", abi.FSOpenRead|abi.FSOpenDirectory)
	if st != 0 {
		t.Fatal(st)
	}
	seen := map[string]bool{}
	pages := 0
	for index := uint32(0); ; pages++ {
		st, body := c.call(abi.FSReadDir, append(u32(dir), u32(index)...))
		if st != 0 {
			t.Fatalf("readdir at %d: %d", index, st)
		}
		next, count := binary.LittleEndian.Uint32(body), binary.LittleEndian.Uint32(body[4:])
		body = body[8:]
		for range count {
			nl := int(binary.LittleEndian.Uint16(body[abi.FSAttrSize:]))
			seen[string(body[abi.FSAttrSize+2:abi.FSAttrSize+2+nl])] = true
			body = body[abi.FSAttrSize+2+nl:]
		}
		if next == 0 {
			break
		}
		index = next
	}
	if len(seen) != n || !seen["file number 042"] {
		t.Fatalf("listed %d names in %d pages, want %d", len(seen), pages+1, n)
	}
	if _, st := c.open("many/file number 001", abi.FSOpenRead|abi.FSOpenDirectory); st != errNOTDIR {
		t.Errorf("a file opened as a directory: %d, want ENOTDIR", st)
	}
}

func TestClientsAreSeparateAndMalformedRequestsRefused(t *testing.T) {
	connect := serve(t)
	a, b := connect(), connect()
	id, st := a.open("x", abi.FSOpenWrite|abi.FSOpenCreate)
	if st != 0 {
		t.Fatal(st)
	}
	if _, st := b.write(id, 0, []byte("not yours")); st != errBADF {
		t.Errorf("another client's id: %d, want EBADF", st)
	}
	for _, req := range []struct {
		typ  uint32
		data []byte
	}{
		{abi.FSOpen, []byte{1}},
		{abi.FSRead, u32(id)},
		{abi.FSRename, []byte{0xff, 0xff, 'a'}},
		{abi.FSOpen, append(u32(abi.FSOpenRead|1<<20), u32(0)...)},
		{abi.FSStat, bytes.Repeat([]byte("a/"), abi.FSMaxPath)},
		{abi.FSStat, []byte("a\x00b")},
	} {
		if st, _ := a.call(req.typ, req.data); st == 0 {
			t.Errorf("request %d % x accepted", req.typ, req.data[:min(len(req.data), 16)])
		}
	}
	a.ch.Close()
	// The service goes on for b.
	if _, st := b.open("x", abi.FSOpenRead); st != 0 {
		t.Errorf("after another client left: %d", st)
	}
}
