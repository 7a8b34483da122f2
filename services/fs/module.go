package fs

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"clk/abi"
	"clk/drivers/fat"
	"clk/sdk/module"
)

// Module is the file system service as a module (sdk/module): the
// module manager connects its clients, and a replacement takes its state
// from the instance it replaces while the clients' channels stay open.
//
// The state is the clients' open files (their ids, paths and open flags;
// offsets travel in each request, and a file opened to append writes at
// its end); the volume itself is on the disk. Export syncs the volume
// first, so that every change is on the disk and the volume is marked
// clean before the next instance mounts it; after an Export this instance
// writes nothing more unless it serves again (the replacement was rolled
// back). Import mounts the volume and opens the files again. An instance
// that would have to repair the volume at its mount refuses the state
// instead, so that a replacement never writes under the instance it
// replaces.
type Module struct {
	// Mount mounts the volume; read-only when ro is set.
	Mount func(ro bool) (*fat.FS, error)
	// Log, if not nil, gets what the service says of itself: its mount,
	// a repair, a refusal.
	Log io.Writer

	s       *volume
	clients map[uint64]*client
	out     []byte
	// exported says the state was exported and nothing was served
	// since: the volume may be another instance's now.
	exported bool
}

var (
	_ module.Service    = (*Module)(nil)
	_ module.Starter    = (*Module)(nil)
	_ module.Departures = (*Module)(nil)
)

func (m *Module) logf(format string, args ...any) {
	if m.Log != nil {
		fmt.Fprintf(m.Log, format+"\n", args...)
	}
}

// Start mounts the volume, repairing it if it was not cleanly unmounted.
func (m *Module) Start() error {
	fsys, err := m.Mount(false)
	if err != nil {
		m.logf("refused the volume: %v", err)
		return fmt.Errorf("refused the volume: %w", err)
	}
	if r := fsys.MountReport(); !r.WasClean {
		// Mount repaired what an interrupted write left (drivers/fat,
		// Repair) before it returned.
		if r.RepairErr != nil {
			m.logf("not cleanly unmounted; not repaired, so read-only: %v", r.RepairErr)
		} else {
			m.logf("not cleanly unmounted; repaired: %v", r.Repair)
		}
	}
	u, err := fsys.StatFS()
	if err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	m.logf("mounted %q, %d MiB, %d MiB free, %s", u.Label, u.TotalBytes>>20, u.FreeBytes>>20, mode(fsys))
	m.serve(fsys)
	return nil
}

func mode(fsys *fat.FS) string {
	if fsys.ReadOnly() {
		return "read-only"
	}
	return "read-write"
}

// serve serves the mounted volume fsys.
func (m *Module) serve(fsys *fat.FS) {
	m.s = &volume{fsys: fsys}
	m.clients = make(map[uint64]*client)
	m.out = make([]byte, 0, abi.MaxData)
}

// Handle answers one request of client r.Client.
func (m *Module) Handle(r module.Request) []byte {
	m.exported = false
	if m.s == nil {
		return abi.FSStatus(m.out[:0], errIO)
	}
	c := m.clients[r.Client]
	if c == nil {
		c = &client{s: m.s, files: make(map[uint32]*openFile)}
		m.clients[r.Client] = c
	}
	m.out = c.answer(r.Type, r.Data, m.out[:0])
	return m.out
}

// Gone closes the files the client left open.
func (m *Module) Gone(id uint64) {
	m.exported = false
	c := m.clients[id]
	if c == nil {
		return
	}
	delete(m.clients, id)
	for _, f := range c.files {
		f.f.Close()
	}
}

// Unmount syncs the volume when the instance ends, unless its state went
// to another instance, which owns the volume now.
func (m *Module) Unmount() error {
	if m.s == nil || m.exported {
		return nil
	}
	if err := m.s.fsys.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// The state's encoding, little-endian:
//
//	uint32 stateMagic, uint32 clients
//	each client: uint64 id, uint32 next file id, uint32 files
//	each file:   uint32 id, uint32 FSOpen flags, uint16 path length, path
const stateMagic = 0x31534643 // "CFS1"

// errState is the error of a state that does not parse.
var errState = errors.New("malformed file system state")

// Export syncs the volume and returns the open files of every client.
func (m *Module) Export() ([]byte, error) {
	if m.s == nil {
		return nil, errors.New("no volume mounted")
	}
	if err := m.s.fsys.Sync(); err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	b := le.AppendUint32(nil, stateMagic)
	b = le.AppendUint32(b, uint32(len(m.clients)))
	for _, id := range slices.Sorted(maps.Keys(m.clients)) {
		c := m.clients[id]
		b = le.AppendUint64(b, id)
		b = le.AppendUint32(b, c.next)
		b = le.AppendUint32(b, uint32(len(c.files)))
		for _, fid := range slices.Sorted(maps.Keys(c.files)) {
			f := c.files[fid]
			b = le.AppendUint32(b, fid)
			b = le.AppendUint32(b, f.flags)
			b = le.AppendUint16(b, uint16(len(f.path)))
			b = append(b, f.path...)
		}
	}
	m.exported = true
	return b, nil
}

// Import mounts the volume, which the instance that exported state left
// clean, and opens its clients' files again under the same ids.
func (m *Module) Import(state []byte, from string) error {
	files, err := parseState(state)
	if err != nil {
		return err
	}
	// A read-only look first: a volume that is not clean would be
	// repaired by a read-write mount, under the instance that is still
	// there to roll back to.
	look, err := m.Mount(true)
	if err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	if !look.MountReport().WasClean {
		return errors.New("the volume is not clean: the exporting instance left changes unsynced")
	}
	fsys, err := m.Mount(false)
	if err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	// No free count here, unlike Start's line: counting reads the whole
	// FAT, and the clients wait for the import.
	m.logf("took the volume over from %s, %d open files, %s", from, countFiles(files), mode(fsys))
	m.serve(fsys)
	for _, sf := range files {
		c := m.clients[sf.client]
		if c == nil {
			c = &client{s: m.s, files: make(map[uint32]*openFile), next: sf.next}
			m.clients[sf.client] = c
		}
		if sf.path == "" {
			continue
		}
		f, err := fsys.OpenFile(sf.path, reopenMode(sf.flags), 0)
		if err != nil {
			return fmt.Errorf("reopen %s of client %d: %w", sf.path, sf.client, err)
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return fmt.Errorf("reopen %s of client %d: %w", sf.path, sf.client, err)
		}
		c.files[sf.id] = &openFile{f: f, path: sf.path, flags: sf.flags, dir: info.IsDir()}
	}
	return nil
}

func countFiles(files []stateFile) int {
	n := 0
	for _, f := range files {
		if f.path != "" {
			n++
		}
	}
	return n
}

// stateFile is one open file of the state; a client with no open file
// has one with an empty path.
type stateFile struct {
	client uint64
	next   uint32
	id     uint32
	flags  uint32
	path   string
}

func parseState(b []byte) ([]stateFile, error) {
	if len(b) < 8 || le.Uint32(b) != stateMagic {
		return nil, fmt.Errorf("%w: no header", errState)
	}
	n := le.Uint32(b[4:])
	b = b[8:]
	var out []stateFile
	for range n {
		if len(b) < 16 {
			return nil, fmt.Errorf("%w: truncated client", errState)
		}
		c := stateFile{client: le.Uint64(b), next: le.Uint32(b[8:])}
		files := le.Uint32(b[12:])
		b = b[16:]
		out = append(out, c)
		for range files {
			if len(b) < 10 || len(b) < 10+int(le.Uint16(b[8:])) {
				return nil, fmt.Errorf("%w: truncated file", errState)
			}
			f := c
			f.id, f.flags = le.Uint32(b), le.Uint32(b[4:])
			n := 10 + int(le.Uint16(b[8:]))
			p, e := cleanPath(b[10:n])
			if e != 0 || n == 10 || f.id == 0 {
				return nil, fmt.Errorf("%w: file id %d", errState, f.id)
			}
			f.path = p
			b = b[n:]
			out = append(out, f)
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last client", errState, len(b))
	}
	return out, nil
}

// reopenMode is the mode that opens again a file opened with flags: the
// same access, without creating or truncating it a second time.
func reopenMode(flags uint32) int {
	mode := os.O_RDONLY
	switch flags & (abi.FSOpenRead | abi.FSOpenWrite) {
	case abi.FSOpenWrite:
		mode = os.O_WRONLY
	case abi.FSOpenRead | abi.FSOpenWrite:
		mode = os.O_RDWR
	}
	if flags&abi.FSOpenAppend != 0 {
		mode |= os.O_APPEND
	}
	return mode
}
