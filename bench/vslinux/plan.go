package vslinux

import (
	"fmt"
	"io"
	"sync"

	"clk/internal/qemu"
)

// The systems a Plan compares, in the order of its Boots and of every
// table.
const (
	Clk   = 0
	Linux = 1
)

// Names are the systems' names in tables and messages, by Clk and Linux.
var Names = [2]string{"clk", "Linux"}

// Plan is one comparison: what is booted on each system and the machine
// both share.
type Plan struct {
	// Boots are the two systems' boots, by Clk and Linux: -kernel with an
	// initrd and a command line, on the same QEMU machine type.
	Boots [2]qemu.Boot
	// CPUs is the guests' vCPU count; Memory and Accel are QEMU's -m and
	// -accel, empty for the defaults of clk/internal/qemu.
	CPUs          int
	Memory, Accel string
	// Runs is how many times each system is booted.
	Runs int
	// Together boots the two systems at the same time rather than one
	// after the other: on a shared host whose load changes from minute to
	// minute both then bear the same load, at the price of competing with
	// each other for the host's cores.
	Together bool
}

// Command returns the QEMU command line of system sys: the same for both
// but for what is booted.
func (p Plan) Command(sys int) qemu.Command {
	return qemu.Command{Boot: p.Boots[sys], CPUs: p.CPUs, Memory: p.Memory, Accel: p.Accel}
}

// Describe writes the shared part of the command line and how the boots
// are ordered, so that every table comes with the machine it was measured
// on.
func (p Plan) Describe(w io.Writer) {
	shared := qemu.Command{Boot: qemu.Boot{Machine: p.Boots[Clk].Machine}, CPUs: p.CPUs, Memory: p.Memory, Accel: p.Accel}
	order := "one after the other, alternating"
	if p.Together {
		order = "side by side"
	}
	fmt.Fprintf(w, "QEMU: %s -kernel ..., best of %d boots of each system, %s\n", shared, p.Runs, order)
}

// Run boots the systems p.Runs times each by calling boot with the run's
// number (from 1), the system and its command line. A system whose boot
// fails is not booted again, since it most likely fails again; its error
// is written to errw as it happens. Run returns the first error of each
// system, by Clk and Linux.
func (p Plan) Run(errw io.Writer, boot func(run, sys int, c qemu.Command) error) [2]error {
	var failed [2]error
	for r := 1; r <= p.Runs; r++ {
		var errs [2]error
		if p.Together {
			var wg sync.WaitGroup
			for sys := range 2 {
				if failed[sys] == nil {
					wg.Go(func() { errs[sys] = boot(r, sys, p.Command(sys)) })
				}
			}
			wg.Wait()
		} else {
			// Alternating the systems lets a slow change in the
			// host's load fall on both.
			for sys := range 2 {
				if failed[sys] == nil {
					errs[sys] = boot(r, sys, p.Command(sys))
				}
			}
		}
		for sys, err := range errs {
			if err != nil {
				fmt.Fprintf(errw, "%s, boot %d: %v\n", Names[sys], r, err)
				failed[sys] = err
			}
		}
	}
	return failed
}

// Tail returns the end of a console, which explains a failure.
func Tail(console string) string {
	const limit = 2000
	if len(console) > limit {
		return "..." + console[len(console)-limit:]
	}
	return console
}
