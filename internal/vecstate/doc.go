// Package vecstate checks that the 256-bit vector registers (YMM0-YMM15)
// keep their values while the code holding them is interrupted: by timer
// ticks, by other goroutines or processes run on the same CPU in between,
// by anything the kernel does with the registers meanwhile. Hold fills
// every register with a pattern derived from a seed, then for a number of
// rounds stores them and compares them with the pattern, never calling
// anything in between; a kernel that loses or leaks vector state shows as
// a mismatch. Distinct seeds give patterns that share no 64-bit word, so
// a register of one holder seen by another is always a mismatch.
//
// It runs wherever AVX is usable (Usable): in the kernel's goroutines, in
// ring-3 programs and on the host. It imports nothing of clk, so the
// kernel's bare-metal tests and the ring-3 programs share it.
package vecstate
