package abi

// The block protocol: what a block service (the virtio-blk driver) and
// its client (the file system service) say over their channel. Every
// request is a channel_call; the reply has the request's type and
// starts with a BlockStatus.
//
//	BlockInfo   request: nothing
//	            reply:   status, then uint64 sectors, uint32 sector size, uint32 flags (BlockReadOnly)
//	BlockRead   request: BlockRequest
//	            reply:   status, then count*sector size bytes when the status is 0
//	BlockWrite  request: BlockRequest, then count*sector size bytes
//	            reply:   status
//	BlockFlush  request: nothing
//	            reply:   status, once every write replied to before is durable
//
// A request whose sectors lie outside the disk, or whose count is 0 or
// moves more than BlockMaxIO bytes, gets EINVAL; a write to a read-only
// disk EACCES; a failed device EIO.
const (
	BlockInfo  = 1
	BlockRead  = 2
	BlockWrite = 3
	BlockFlush = 4

	// BlockMaxIO is the most data one read or write moves: a whole
	// message less its header, in 4 KiB.
	BlockMaxIO = MaxData - 4096

	// BlockReadOnly in BlockInfo's flags: writes fail with EACCES.
	BlockReadOnly = 1 << 0

	// BlockRequestSize is the size of a BlockRequest; BlockStatusSize of
	// a BlockStatus; BlockInfoSize of BlockInfo's reply after it.
	BlockRequestSize = 16
	BlockStatusSize  = 8
	BlockInfoSize    = 16
)

// BlockRequest is the head of BlockRead and BlockWrite.
//
//	offset 0  uint64 first sector
//	offset 8  uint32 sector count
//	offset 12 uint32 zero
type BlockRequest struct {
	Sector uint64
	Count  uint32
}

// Marshal appends the request to b.
func (r BlockRequest) Marshal(b []byte) []byte {
	b = le.AppendUint64(b, r.Sector)
	b = le.AppendUint32(b, r.Count)
	return le.AppendUint32(b, 0)
}

// UnmarshalBlockRequest reads a request from the head of b.
func UnmarshalBlockRequest(b []byte) (BlockRequest, bool) {
	if len(b) < BlockRequestSize {
		return BlockRequest{}, false
	}
	return BlockRequest{Sector: le.Uint64(b), Count: le.Uint32(b[8:])}, true
}

// BlockStatus heads every reply: 0 or an Errno, then four bytes of zero.
func BlockStatus(b []byte, e Errno) []byte {
	b = le.AppendUint32(b, uint32(e))
	return le.AppendUint32(b, 0)
}

// BlockStatusOf reads the status at the head of a reply; a reply too
// short to hold one is EIO.
func BlockStatusOf(b []byte) Errno {
	if len(b) < BlockStatusSize {
		return EIO
	}
	return Errno(le.Uint32(b))
}
