package fat

import "fmt"

// disk is the volume's way to its device: every access is checked against
// the volume's bounds, so that no value read from the disk can make the
// package touch a sector outside the volume, and the first failed write is
// kept, after which the file system refuses changes.
type disk struct {
	dev      Device
	g        *geometry
	barriers bool   // flush between writes whose order matters
	failed   error  // the first write error, nil while writes succeed
	bounce   []byte // one sector, for partial-sector transfers
	zeros    []byte // zeroChunk zero bytes, made on first use
	writes   int64  // successful writes so far
	flushed  int64  // writes when the device was last flushed
	// beforeWrite, if set, runs once before the next write, which waits
	// for it; it is cleared before it runs, so it may write itself.
	beforeWrite func() error
}

// inVolume checks that n bytes at sector first lie in the volume.
func (d *disk) inVolume(first int64, n int) error {
	if first < 0 || n%d.g.sectorSize != 0 || first+int64(n/d.g.sectorSize) > int64(d.g.totalSectors) {
		// Callers validate cluster numbers before they get here; this is
		// the last line, and a bug if it is ever crossed.
		return fmt.Errorf("access to %d bytes at sector %d outside the volume's %d sectors: %w", n, first, d.g.totalSectors, ErrCorrupt)
	}
	return nil
}

// read fills p from the sectors starting at first.
func (d *disk) read(p []byte, first int64) error {
	if err := d.inVolume(first, len(p)); err != nil {
		return err
	}
	if err := d.dev.ReadSectors(p, first); err != nil {
		return fmt.Errorf("read %d sectors at %d: %w", len(p)/d.g.sectorSize, first, err)
	}
	return nil
}

// write writes p to the sectors starting at first.
func (d *disk) write(p []byte, first int64) error {
	if d.failed != nil {
		return d.failed
	}
	if err := d.inVolume(first, len(p)); err != nil {
		return err
	}
	if hook := d.beforeWrite; hook != nil {
		d.beforeWrite = nil
		if err := hook(); err != nil {
			return err
		}
	}
	if err := d.dev.WriteSectors(p, first); err != nil {
		d.failed = fmt.Errorf("write %d sectors at %d: %w", len(p)/d.g.sectorSize, first, err)
		return d.failed
	}
	d.writes++
	return nil
}

// barrier orders the writes before it before the writes after it. Devices
// that keep writes in order need nothing; with Options.Barriers the
// device is flushed, unless nothing was written since it last was.
func (d *disk) barrier() error {
	if !d.barriers || d.writes == d.flushed {
		return nil
	}
	return d.flush()
}

// flush makes every write so far durable.
func (d *disk) flush() error {
	if d.failed != nil {
		return d.failed
	}
	if err := d.dev.Flush(); err != nil {
		d.failed = fmt.Errorf("flush: %w", err)
		return d.failed
	}
	d.flushed = d.writes
	return nil
}

// readBytes fills p from byte offset off of the volume, whole sectors
// straight into p and partial ones through the bounce buffer.
func (d *disk) readBytes(p []byte, off int64) error {
	return d.transfer(p, off, false)
}

// writeBytes writes p at byte offset off of the volume, reading back the
// sectors it covers only in part.
func (d *disk) writeBytes(p []byte, off int64) error {
	return d.transfer(p, off, true)
}

func (d *disk) transfer(p []byte, off int64, write bool) error {
	ss := int64(d.g.sectorSize)
	for len(p) > 0 {
		sector, in := off/ss, int(off%ss)
		if in != 0 || len(p) < int(ss) {
			n := min(len(p), int(ss)-in)
			if err := d.read(d.bounce, sector); err != nil {
				return err
			}
			if write {
				copy(d.bounce[in:], p[:n])
				if err := d.write(d.bounce, sector); err != nil {
					return err
				}
			} else {
				copy(p[:n], d.bounce[in:])
			}
			p, off = p[n:], off+int64(n)
			continue
		}
		n := len(p) - len(p)%int(ss)
		var err error
		if write {
			err = d.write(p[:n], sector)
		} else {
			err = d.read(p[:n], sector)
		}
		if err != nil {
			return err
		}
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// zeroChunk is how many bytes of zeros zeroBytes writes at a time.
const zeroChunk = 64 << 10

// zeroBytes writes n zero bytes at byte offset off of the volume.
func (d *disk) zeroBytes(off, n int64) error {
	if d.zeros == nil {
		d.zeros = make([]byte, zeroChunk)
	}
	for n > 0 {
		m := min(n, int64(len(d.zeros)))
		if err := d.writeBytes(d.zeros[:m], off); err != nil {
			return err
		}
		off, n = off+m, n-m
	}
	return nil
}
