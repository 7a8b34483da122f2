package object

import (
	"sync/atomic"

	"clk/abi"
)

// Counters are what a process has done since it started, counted where it
// happens (the syscall path, the channel calls, the trap loop) with one
// atomic add each: the metrics object (kernel/metrics) reads them, and
// only a reader pays for turning them into a record.
type Counters struct {
	// CPU is the nanoseconds the process's threads ran in ring 3.
	CPU atomic.Uint64
	// MsgsIn and BytesIn count the messages (and their data bytes) the
	// process read or received as replies; MsgsOut and BytesOut those it
	// wrote.
	MsgsIn, MsgsOut   atomic.Uint64
	BytesIn, BytesOut atomic.Uint64
	// Calls counts syscalls by number; numbers past the table are not
	// counted here.
	Calls [abi.NumCalls]atomic.Uint64
}

// Sent counts a message of n data bytes written.
func (c *Counters) Sent(n int) {
	c.MsgsOut.Add(1)
	c.BytesOut.Add(uint64(n))
}

// Received counts a message of n data bytes read.
func (c *Counters) Received(n int) {
	c.MsgsIn.Add(1)
	c.BytesIn.Add(uint64(n))
}

// Call counts syscall num.
func (c *Counters) Call(num uint64) {
	if num < abi.NumCalls {
		c.Calls[num].Add(1)
	}
}
