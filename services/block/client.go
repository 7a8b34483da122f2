package block

import (
	"encoding/binary"
	"fmt"

	"clk/abi"
	"clk/sdk"
)

var le = binary.LittleEndian

// Client is a disk reached through a block service's channel. Its
// methods may be called from several goroutines: each is one channel
// call at a time.
type Client struct {
	ch         sdk.Channel
	sectorSize int
	sectors    int64
	readOnly   bool
}

// Dial asks the service on ch what disk it serves.
func Dial(ch sdk.Channel) (*Client, error) {
	rb := make([]byte, abi.BlockStatusSize+abi.BlockInfoSize)
	m, err := ch.Call(abi.BlockInfo, nil, nil, rb, nil, sdk.Never)
	if err != nil {
		return nil, fmt.Errorf("block: info: %w", err)
	}
	if st := abi.BlockStatusOf(m.Data); st != 0 {
		return nil, fmt.Errorf("block: info: %w", st)
	}
	if len(m.Data) != abi.BlockStatusSize+abi.BlockInfoSize {
		return nil, fmt.Errorf("block: info of %d bytes: %w", len(m.Data), ErrProtocol)
	}
	d := m.Data[abi.BlockStatusSize:]
	c := &Client{ch: ch, sectors: int64(le.Uint64(d)), sectorSize: int(le.Uint32(d[8:])), readOnly: le.Uint32(d[12:])&abi.BlockReadOnly != 0}
	if c.sectorSize < 512 || c.sectorSize > abi.BlockMaxIO || c.sectorSize&(c.sectorSize-1) != 0 || c.sectors < 0 {
		return nil, fmt.Errorf("block: %d sectors of %d bytes: %w", c.sectors, c.sectorSize, ErrProtocol)
	}
	return c, nil
}

// SectorSize returns the disk's sector size in bytes.
func (c *Client) SectorSize() int { return c.sectorSize }

// Sectors returns the disk's size in sectors.
func (c *Client) Sectors() int64 { return c.sectors }

// ReadOnly reports whether the service refuses writes.
func (c *Client) ReadOnly() bool { return c.readOnly }

// span checks that p is whole sectors from first inside the disk.
func (c *Client) span(p []byte, first int64) error {
	n := int64(len(p))
	if n%int64(c.sectorSize) != 0 || first < 0 || first > c.sectors || n/int64(c.sectorSize) > c.sectors-first {
		return fmt.Errorf("block: %d bytes at sector %d of %d: %w", n, first, c.sectors, ErrRange)
	}
	return nil
}

// chunk is the most sectors one request moves.
func (c *Client) chunk() int { return abi.BlockMaxIO / c.sectorSize }

// ReadSectors fills p from the disk, starting at sector first.
func (c *Client) ReadSectors(p []byte, first int64) error {
	if err := c.span(p, first); err != nil {
		return err
	}
	req := make([]byte, 0, abi.BlockRequestSize)
	rb := make([]byte, abi.BlockStatusSize+abi.BlockMaxIO)
	for len(p) > 0 {
		count := min(len(p)/c.sectorSize, c.chunk())
		n := count * c.sectorSize
		req = abi.BlockRequest{Sector: uint64(first), Count: uint32(count)}.Marshal(req[:0])
		m, err := c.ch.Call(abi.BlockRead, req, nil, rb, nil, sdk.Never)
		if err != nil {
			return fmt.Errorf("block: read %d sectors at %d: %w", count, first, err)
		}
		if st := abi.BlockStatusOf(m.Data); st != 0 {
			return fmt.Errorf("block: read %d sectors at %d: %w", count, first, st)
		}
		if len(m.Data) != abi.BlockStatusSize+n {
			return fmt.Errorf("block: read of %d bytes got %d: %w", n, len(m.Data)-abi.BlockStatusSize, ErrProtocol)
		}
		copy(p, m.Data[abi.BlockStatusSize:])
		p, first = p[n:], first+int64(count)
	}
	return nil
}

// WriteSectors writes p to the disk, starting at sector first.
func (c *Client) WriteSectors(p []byte, first int64) error {
	if err := c.span(p, first); err != nil {
		return err
	}
	req := make([]byte, 0, abi.BlockRequestSize+abi.BlockMaxIO)
	rb := make([]byte, abi.BlockStatusSize)
	for len(p) > 0 {
		count := min(len(p)/c.sectorSize, c.chunk())
		n := count * c.sectorSize
		req = abi.BlockRequest{Sector: uint64(first), Count: uint32(count)}.Marshal(req[:0])
		req = append(req, p[:n]...)
		m, err := c.ch.Call(abi.BlockWrite, req, nil, rb, nil, sdk.Never)
		if err != nil {
			return fmt.Errorf("block: write %d sectors at %d: %w", count, first, err)
		}
		if st := abi.BlockStatusOf(m.Data); st != 0 {
			return fmt.Errorf("block: write %d sectors at %d: %w", count, first, st)
		}
		p, first = p[n:], first+int64(count)
	}
	return nil
}

// Flush makes every write that returned durable.
func (c *Client) Flush() error {
	rb := make([]byte, abi.BlockStatusSize)
	m, err := c.ch.Call(abi.BlockFlush, nil, nil, rb, nil, sdk.Never)
	if err != nil {
		return fmt.Errorf("block: flush: %w", err)
	}
	if st := abi.BlockStatusOf(m.Data); st != 0 {
		return fmt.Errorf("block: flush: %w", st)
	}
	return nil
}
