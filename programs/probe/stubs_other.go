//go:build !amd64

package main

// Elsewhere the forbidden instructions do not exist; the probes that use
// them do nothing and so report a failure.

func cli()                           {}
func hlt()                           {}
func wrmsr(msr uint32, value uint64) {}
func callAddr(addr uintptr)          {}
func divideByZero() uint64           { return 0 }
