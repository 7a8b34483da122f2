package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"clk/internal/vecstate"
	"clk/sdk"
)

// rounds is the length of one Hold: long enough to span ticks under TCG,
// short enough to check the clock often.
const rounds = 20000

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

func main() {
	if len(os.Args) != 3 {
		printf("usage: vecstate SEED MS\n")
		sdk.Exit(2)
	}
	seed, err1 := strconv.ParseUint(os.Args[1], 10, 32)
	ms, err2 := strconv.ParseUint(os.Args[2], 10, 32)
	if err1 != nil || err2 != nil || ms == 0 {
		printf("vecstate: bad seed %q or time %q\nusage: vecstate SEED MS\n", os.Args[1], os.Args[2])
		sdk.Exit(2)
	}
	if !vecstate.Usable() {
		printf("vecstate: AVX is not usable\n")
		sdk.Exit(1)
	}
	start := time.Now()
	n := 0
	for time.Since(start) < time.Duration(ms)*time.Millisecond {
		if bad := vecstate.Hold(uint32(seed), rounds); bad != 0 {
			printf("vecstate %d: %d words of YMM0-YMM15 changed\n", seed, bad)
			sdk.Exit(1)
		}
		n += rounds
	}
	printf("vecstate %d: YMM0-YMM15 kept through %d rounds in %d ms\n", seed, n, time.Since(start).Milliseconds())
	sdk.Exit(0)
}
