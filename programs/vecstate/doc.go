// Vecstate checks that its 256-bit vector registers keep their values
// while it runs: through timer ticks and through the other processes the
// kernel runs on the same CPU in between (clk/internal/vecstate).
//
// Usage:
//
//	vecstate SEED MS
//
// It fills YMM0-YMM15 with SEED's pattern and checks them over and over
// for MS milliseconds, in calls of vecstate.Hold of a few thousand rounds
// each, and prints
//
//	vecstate SEED: YMM0-YMM15 kept through N rounds in T ms
//
// or, at the first round that finds a register changed,
//
//	vecstate SEED: N words of YMM0-YMM15 changed
//
// and exits with status 1. Two of them started with different seeds on one
// CPU see each other's values if the kernel leaks vector state between
// processes, and lose their own if it does not save it. Without AVX it
// prints "vecstate: AVX is not usable" and exits with status 1; on bad
// usage with status 2.
package main
