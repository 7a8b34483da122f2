package x86

// Byte and word access to device memory, in mmio_amd64.s: each is one MOV
// of its width. 32-bit access goes through sync/atomic (MMIO.Read32).

func mmioRead8(addr uintptr) uint8
func mmioRead16(addr uintptr) uint16
func mmioWrite8(addr uintptr, v uint8)
func mmioWrite16(addr uintptr, v uint16)
