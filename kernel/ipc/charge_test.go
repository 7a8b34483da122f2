package ipc

import (
	"errors"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/limit"
)

func TestQueuedMessagesCountAgainstTheSendersMemory(t *testing.T) {
	a, _, ha, _, ea, eb := pair(t, 64)
	const n = 100
	acct := limit.New("sender", limit.Limits{Memory: uint64(4 * messageCost(n, 0))}, nil)
	a.SetAccount(acct)
	data := make([]byte, n)
	for i := 0; i < 4; i++ {
		if err := ea.WriteFrom(a, msgData, 0, data, nil, time.Time{}, false); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	err := ea.WriteFrom(a, msgData, 0, data, nil, time.Time{}, false)
	if !errors.Is(err, abi.ELIMIT) {
		t.Fatalf("fifth message: %v, want ELIMIT", err)
	}
	if _, err := readNow(eb); err != nil {
		t.Fatal(err)
	}
	if err := ea.WriteFrom(a, msgData, 0, data, nil, time.Time{}, false); err != nil {
		t.Fatalf("after a read made room: %v", err)
	}
	// Closing the receiving end drops what it held, and the charge with it.
	eb.Release()
	if got := acct.Used(limit.Memory); got != 0 {
		t.Fatalf("%d bytes still charged once the queue was dropped", got)
	}
	if _, err := a.Lookup(ha, abi.TypeChannel, 0); err != nil {
		t.Fatal(err)
	}
}

func TestARefusedWriteChargesNothing(t *testing.T) {
	a, _, _, _, ea, _ := pair(t, 1)
	acct := limit.New("sender", limit.Limits{}, nil)
	a.SetAccount(acct)
	if err := ea.WriteFrom(a, msgData, 0, nil, nil, time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	before := acct.Used(limit.Memory)
	if err := ea.WriteFrom(a, msgData, 0, nil, nil, time.Time{}, false); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("write to a full queue: %v", err)
	}
	if err := ea.WriteFrom(a, msgGrant, 0, nil, []cap.Handle{12345}, time.Time{}, false); err == nil {
		t.Fatal("a forged handle was sent")
	}
	if acct.Used(limit.Memory) != before {
		t.Fatalf("refused writes left %d bytes charged", acct.Used(limit.Memory)-before)
	}
}
