package vecstate

// Words is the number of 64-bit words in the sixteen YMM registers.
const Words = 16 * 4

// Pattern returns the words Hold loads for seed: register i, lane j holds
// word 4i+j. Each word carries the seed in its high 32 bits and its index
// in the low ones, so two seeds' patterns share no word and no word is 0.
func Pattern(seed uint32) *[Words]uint64 {
	var p [Words]uint64
	for i := range p {
		p[i] = uint64(seed)<<32 | uint64(i+1)*0x01010101
	}
	return &p
}

// Hold loads Pattern(seed) into YMM0-YMM15 and checks them rounds times
// (rounds at least 1). It returns the number of words that differed from
// the pattern in the first round that found any, or 0 when the registers
// kept it throughout. The registers are not touched between the load and
// the last check: Hold calls nothing, and nothing in Go runs in between
// on its goroutine. It must only be called when Usable reports true.
func Hold(seed uint32, rounds int) int {
	p := Pattern(seed)
	var got [Words]uint64
	return hold(p, p, &got, max(rounds, 1))
}

// Usable reports whether the CPU has AVX and the operating system has
// enabled its state (CPUID.1:ECX.OSXSAVE and AVX, and XCR0's SSE and AVX
// bits: Intel SDM Vol. 1, 14.3).
func Usable() bool { return avxUsable() }

// hold loads load into the registers and compares them with want, storing
// them into got, rounds times; see Hold.
//
//go:noescape
func hold(load, want, got *[Words]uint64, rounds int) int

func avxUsable() bool
