package object

import (
	"fmt"

	"clk/abi"
)

// PageSize is the granularity of memory regions: the 4 KiB page of the
// x86-64 4-level paging (Intel SDM vol. 3A, 4.5).
const PageSize = 4096

// Region is a range of memory that can be mapped into an address space
// (a process's heap window). It records its size; the frames behind it and
// the mapping are the address-space code's concern.
type Region struct {
	size uint64
}

// NewRegion returns a region of size bytes, a non-zero multiple of
// PageSize.
func NewRegion(size uint64) (*Region, error) {
	if size == 0 || size%PageSize != 0 {
		return nil, fmt.Errorf("region of %d bytes: not a non-zero multiple of %d", size, PageSize)
	}
	return &Region{size: size}, nil
}

// Type returns abi.TypeRegion.
func (r *Region) Type() abi.ObjectType { return abi.TypeRegion }

// Size returns the region's size in bytes.
func (r *Region) Size() uint64 { return r.size }
