package syscalls

import (
	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/object"
)

// TimerRights are the rights of the handle timer_create returns.
const TimerRights = abi.RightWait | abi.RightSignal | abi.RightDuplicate | abi.RightTransfer

func sysTimerCreate(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	cp := cap.New(object.NewTimer(), TimerRights)
	h, err := c.Proc.Handles.Install(cp)
	if err != nil {
		cp.Close()
		return 0, err
	}
	return uint64(h), nil
}

func (c *Caller) timer(v uint64) (*object.Timer, error) {
	cp, err := c.lookup(v, abi.TypeTimer, abi.RightSignal)
	if err != nil {
		return nil, err
	}
	t, ok := cp.Object().(*object.Timer)
	if !ok {
		return nil, cap.ErrWrongType
	}
	return t, nil
}

func sysTimerSet(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	t, err := c.timer(a[0])
	if err != nil {
		return 0, err
	}
	deadline, _ := k.deadline(a[1])
	if deadline.IsZero() {
		t.Cancel()
		return 0, nil
	}
	t.Set(deadline)
	return 0, nil
}

func sysTimerCancel(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	t, err := c.timer(a[0])
	if err != nil {
		return 0, err
	}
	t.Cancel()
	return 0, nil
}
