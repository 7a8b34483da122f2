package limit

import "sync"

// machineMemory is the machine's memory as the kernel sees it: how much is
// free and how much the kernel keeps for itself. Only memory charges
// consult it.
type machineMemory struct {
	mu      sync.Mutex
	free    func() uint64 // free physical memory in bytes; nil: unknown
	total   uint64
	reserve uint64
}

var machine machineMemory

// SetMachine tells the package the machine's total memory, how to read
// the free physical memory, and how much of it the kernel keeps for
// itself: a memory charge that would leave less than reserve free fails
// with abi.ENOMEM. The kernel calls it once at boot; until then no reserve
// applies.
func SetMachine(total uint64, free func() uint64, reserve uint64) {
	machine.mu.Lock()
	defer machine.mu.Unlock()
	machine.total, machine.free, machine.reserve = total, free, reserve
}

// DefaultReserve is the reserve for a machine with total bytes of memory:
// an eighth of it and at least 32 MiB, so that the kernel's own goroutines,
// queues and page tables find memory when programs have taken the rest.
func DefaultReserve(total uint64) uint64 { return max(total/8, 32<<20) }

// check refuses n more bytes for account name when they would leave less
// than the reserve free.
func (m *machineMemory) check(name string, n int64) error {
	m.mu.Lock()
	free, reserve := m.free, m.reserve
	m.mu.Unlock()
	if free == nil {
		return nil
	}
	if f := free(); f < reserve || uint64(n) > f-reserve {
		return &Error{Account: name, Resource: Memory, Limit: int64(reserve), Want: n, Reserve: true}
	}
	return nil
}

// Pressure is how close the machine is to the kernel's reserve: 0 when at
// least half of what lies above the reserve is free, rising to 1 when the
// free memory reaches the reserve. The supervisor reads it; ps shows it.
func Pressure() float64 {
	machine.mu.Lock()
	free, total, reserve := machine.free, machine.total, machine.reserve
	machine.mu.Unlock()
	if free == nil || total <= reserve {
		return 0
	}
	f := free()
	if f <= reserve {
		return 1
	}
	room := float64(total - reserve)
	left := float64(f - reserve)
	if left >= room/2 {
		return 0
	}
	return 1 - left/(room/2)
}

// Reserve returns the memory the kernel keeps for itself, in bytes.
func Reserve() uint64 {
	machine.mu.Lock()
	defer machine.mu.Unlock()
	return machine.reserve
}
