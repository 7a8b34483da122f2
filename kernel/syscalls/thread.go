package syscalls

import (
	"fmt"
)

func sysThreadCreate(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	return h.NewThread(a[0], a[1], a[2], a[3])
}

func sysThreadExit(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	h.ExitThread(a[0])
	return 0, nil
}

func sysThreadSetFS(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	return 0, h.SetFS(a[0])
}

func sysFutexWait(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[1] > 0xffffffff {
		return 0, fmt.Errorf("futex_wait: value %#x: %w", a[1], errInvalid)
	}
	deadline, block := k.deadline(a[2])
	return 0, h.FutexWait(a[0], uint32(a[1]), deadline, block)
}

func sysFutexWake(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	h, err := c.host()
	if err != nil {
		return 0, err
	}
	if a[1] > 1<<31 {
		a[1] = 1 << 31
	}
	n, err := h.FutexWake(a[0], int(a[1]))
	return uint64(n), err
}
