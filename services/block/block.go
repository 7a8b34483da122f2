package block

import (
	"errors"
	"fmt"

	"clk/abi"
	"clk/sdk"
)

// Schema is the block channel's protocol: each type carries at most a
// header and abi.BlockMaxIO bytes, and no handles.
var Schema = sdk.Schema{
	{Type: abi.BlockInfo, MaxData: abi.BlockStatusSize + abi.BlockInfoSize},
	{Type: abi.BlockRead, MaxData: abi.BlockStatusSize + abi.BlockMaxIO},
	{Type: abi.BlockWrite, MaxData: abi.BlockRequestSize + abi.BlockMaxIO},
	{Type: abi.BlockFlush, MaxData: abi.BlockStatusSize},
}

// Device is what a block service serves: whole sectors of a disk.
type Device interface {
	SectorSize() int
	Sectors() int64
	ReadOnly() bool
	ReadSectors(p []byte, first int64) error
	WriteSectors(p []byte, first int64) error
	Flush() error
}

// Errors of the client, besides the abi.Errno a service replied with.
var (
	// ErrRange: a request outside the disk, or not whole sectors.
	ErrRange = fmt.Errorf("outside the disk or not whole sectors: %w", abi.EINVAL)
	// ErrProtocol: the service's reply is malformed.
	ErrProtocol = errors.New("block: malformed reply")
)

// Serve answers requests on ch with dev until the peer closes its end
// (nil) or reading fails. A device error is the request's status (EIO);
// it does not end the service.
func Serve(ch sdk.Channel, dev Device) error {
	in := make([]byte, abi.BlockRequestSize+abi.BlockMaxIO)
	out := make([]byte, 0, abi.BlockStatusSize+abi.BlockMaxIO)
	for {
		m, err := ch.Read(in, nil, sdk.Never)
		if err != nil {
			if errors.Is(err, abi.EPEERCLOSED) {
				return nil
			}
			return fmt.Errorf("block: read request: %w", err)
		}
		out = answer(dev, m, out[:0])
		if err := ch.Reply(m.Txid, m.Type, out, nil, sdk.Never); err != nil && !errors.Is(err, abi.EPEERCLOSED) {
			return fmt.Errorf("block: reply: %w", err)
		}
	}
}

// answer returns the reply to m, appended to out.
func answer(dev Device, m sdk.Message, out []byte) []byte {
	ss := int64(dev.SectorSize())
	switch m.Type {
	case abi.BlockInfo:
		out = abi.BlockStatus(out, 0)
		var flags uint32
		if dev.ReadOnly() {
			flags |= abi.BlockReadOnly
		}
		out = le.AppendUint64(out, uint64(dev.Sectors()))
		out = le.AppendUint32(out, uint32(ss))
		return le.AppendUint32(out, flags)
	case abi.BlockFlush:
		return abi.BlockStatus(out, statusOf(dev.Flush()))
	case abi.BlockRead, abi.BlockWrite:
		r, ok := abi.UnmarshalBlockRequest(m.Data)
		n := int64(r.Count) * ss
		if !ok || r.Count == 0 || n > abi.BlockMaxIO || r.Sector >= uint64(dev.Sectors()) || uint64(r.Count) > uint64(dev.Sectors())-r.Sector {
			return abi.BlockStatus(out, abi.EINVAL)
		}
		if m.Type == abi.BlockWrite {
			data := m.Data[abi.BlockRequestSize:]
			switch {
			case int64(len(data)) != n:
				return abi.BlockStatus(out, abi.EINVAL)
			case dev.ReadOnly():
				return abi.BlockStatus(out, abi.EACCES)
			}
			return abi.BlockStatus(out, statusOf(dev.WriteSectors(data, int64(r.Sector))))
		}
		out = abi.BlockStatus(out, 0)
		buf := out[len(out) : len(out)+int(n)]
		if err := dev.ReadSectors(buf, int64(r.Sector)); err != nil {
			return abi.BlockStatus(out[:0], statusOf(err))
		}
		return out[:len(out)+int(n)]
	}
	return abi.BlockStatus(out, abi.EINVAL)
}

// statusOf is the status of a device's error: its own Errno when it has
// one, else EIO.
func statusOf(err error) abi.Errno {
	if err == nil {
		return 0
	}
	var e abi.Errno
	if errors.As(err, &e) {
		return e
	}
	return abi.EIO
}
