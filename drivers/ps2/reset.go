package ps2

import (
	"errors"
	"time"
)

// 8042 ports and bits (IBM PC/AT Technical Reference, keyboard controller).
const (
	statusPort    = 0x64 // read: status register
	commandPort   = 0x64 // write: controller command
	statusInFull  = 1 << 1
	cmdPulseReset = 0xfe // pulse output line 0, the CPU reset line, low
)

// Bus is how the driver reaches I/O ports.
type Bus interface {
	In(port uint16) uint8
	Out(port uint16, v uint8)
}

// ErrNoReset is returned when the controller did not reset the machine.
var ErrNoReset = errors.New("ps2: the controller did not reset the machine")

// Reset asks the controller to pulse the CPU reset line. It waits up to
// about a second for the controller to take a command, and returns
// ErrNoReset if the machine is still running a moment after the command.
func Reset(bus Bus) error {
	for i := 0; i < 1000 && bus.In(statusPort)&statusInFull != 0; i++ {
		time.Sleep(time.Millisecond)
	}
	bus.Out(commandPort, cmdPulseReset)
	time.Sleep(100 * time.Millisecond)
	return ErrNoReset
}
