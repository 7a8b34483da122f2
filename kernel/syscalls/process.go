package syscalls

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"clk/abi"
	"clk/kernel/cap"
)

func sysProcessSelf(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	return c.Proc.PID(), nil
}

func sysProcessExit(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	c.Proc.Exit(int(int32(a[0])))
	return 0, nil
}

func sysProcessSpawn(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	name, err := userBytes(c, a[0], a[1], abi.MaxImageName)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: image: %w", err)
	}
	if a[3] > abi.MaxSpawnHandles {
		return 0, fmt.Errorf("process_spawn: %d handles: %w", a[3], errTooLarge)
	}
	raw, err := userBytes(c, a[2], 4*a[3], 4*abi.MaxSpawnHandles)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: handles: %w", err)
	}
	argv, err := userBytes(c, a[4], a[5], abi.MaxSpawnArgs)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: args: %w", err)
	}
	var args []string
	if len(argv) > 0 {
		if argv[len(argv)-1] != 0 {
			return 0, fmt.Errorf("process_spawn: args not NUL-terminated: %w", errInvalid)
		}
		for _, s := range bytes.Split(argv[:len(argv)-1], []byte{0}) {
			args = append(args, string(s))
		}
	}
	hs := make([]cap.Handle, a[3])
	for i := range hs {
		hs[i] = cap.Handle(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	take := func() ([]*cap.Cap, error) { return c.Proc.Handles.Take(hs, nil) }
	pc, err := h.Spawn(string(name), args, take)
	if err != nil {
		return 0, fmt.Errorf("process_spawn: %w", err)
	}
	ph, err := c.Proc.Handles.Install(pc)
	if err != nil {
		pc.Close()
		return 0, fmt.Errorf("process_spawn: %w", err)
	}
	return uint64(ph), nil
}
