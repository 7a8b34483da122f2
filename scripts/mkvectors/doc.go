// Command mkvectors writes rt/src/runtime/vectors_clk_amd64.s, the 256
// interrupt and exception entry stubs of the GOOS=clk runtime, one every
// clkVecStride bytes from clkVecBase, where the IDT points.
//
// Each stub makes the stack look the same for every vector: it pushes an
// error code (0 for the vectors where the CPU pushes none) and the vector
// number, then jumps to the entry path of its kind, which the runtime's
// hand-written trap_clk_amd64.s holds. Which vector goes where comes from
// the runtime's own constants (clkVecStride, clkVecFirstIRQ, clkVecTimer,
// clkVecShootdown, clkVecPreempt), read from its Go files; which exceptions
// come with an error code is the processor's (Intel SDM Vol. 3A, 6.15).
//
// Run it from the repository root after changing any of those:
//
//	go run ./scripts/mkvectors
//
// The package's test fails while the checked-in file differs from what
// the program writes.
package main
