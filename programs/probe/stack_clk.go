//go:build clk

package main

import _ "unsafe" // for go:linkname

// threadStackLow returns the low end of the calling thread's g0 stack and
// whether the thread is the program's first. Linkname: only the runtime
// knows its threads' stacks, and it permits this pull (export_clk.go).
//
//go:linkname threadStackLow runtime.clkThreadStackLow
func threadStackLow() (lo uintptr, first bool)
