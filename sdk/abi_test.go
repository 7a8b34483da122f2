package sdk

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"unsafe"

	"clk/kernel/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/wait"
)

// The constants written out in this package must be the kernel's.

func TestCallsMatchKernel(t *testing.T) {
	calls := abi.Calls()
	if len(calls) != NumCalls {
		t.Fatalf("kernel has %d calls, sdk %d", len(calls), NumCalls)
	}
	for _, c := range calls {
		if got := CallName(uint64(c.Num)); got != c.Name {
			t.Errorf("call %d: sdk name %q, kernel %q", c.Num, got, c.Name)
		}
	}
	for _, tc := range []struct {
		sdk, kernel int
	}{
		{SysHandleClose, abi.SysHandleClose}, {SysHandleDuplicate, abi.SysHandleDuplicate},
		{SysHandleReplace, abi.SysHandleReplace}, {SysHandleRevoke, abi.SysHandleRevoke},
		{SysChannelCreate, abi.SysChannelCreate}, {SysChannelWrite, abi.SysChannelWrite},
		{SysChannelRead, abi.SysChannelRead}, {SysChannelCall, abi.SysChannelCall},
		{SysObjectWaitMany, abi.SysObjectWaitMany}, {SysProcessSelf, abi.SysProcessSelf},
		{SysProcessExit, abi.SysProcessExit}, {SysLogWrite, abi.SysLogWrite},
		{SysConsoleWrite, abi.SysConsoleWrite}, {SysClockGet, abi.SysClockGet},
		{SysClockSleep, abi.SysClockSleep}, {SysTaskYield, abi.SysTaskYield},
		{SysRandomGet, abi.SysRandomGet}, {SysTimerCreate, abi.SysTimerCreate},
		{SysTimerSet, abi.SysTimerSet}, {SysTimerCancel, abi.SysTimerCancel},
		{SysVMMap, abi.SysVMMap}, {SysVMUnmap, abi.SysVMUnmap},
		{SysProcessSpawn, abi.SysProcessSpawn}, {SysIRQWait, abi.SysIRQWait},
		{SysIOPortAccess, abi.SysIOPortAccess}, {SysThreadCreate, abi.SysThreadCreate},
		{SysThreadExit, abi.SysThreadExit}, {SysThreadSetFS, abi.SysThreadSetFS},
		{SysFutexWait, abi.SysFutexWait}, {SysFutexWake, abi.SysFutexWake},
		{SysSystemInfo, abi.SysSystemInfo},
	} {
		if tc.sdk != tc.kernel {
			t.Errorf("%s: sdk number %d, kernel %d", CallName(uint64(tc.sdk)), tc.sdk, tc.kernel)
		}
	}
	if got, want := CallName(NumCalls+7), "syscall "+strconv.Itoa(NumCalls+7); got != want {
		t.Errorf("CallName(%d) = %q", NumCalls+7, got)
	}
}

func TestErrnosMatchKernel(t *testing.T) {
	if len(abi.Errnos) != numErrnos {
		t.Fatalf("kernel has %d status codes, sdk %d", len(abi.Errnos), numErrnos)
	}
	for _, info := range abi.Errnos {
		e := Errno(info.Code)
		if e.String() != info.Name || e.Error() != info.Doc {
			t.Errorf("code %d: sdk %s %q, kernel %s %q", info.Code, e, e.Error(), info.Name, info.Doc)
		}
	}
	named := map[Errno]abi.Errno{
		ErrNoSys: abi.ENOSYS, ErrInvalid: abi.EINVAL, ErrFault: abi.EFAULT, ErrBadHandle: abi.EBADH,
		ErrClosed: abi.ECLOSED, ErrRevoked: abi.EREVOKED, ErrWrongType: abi.EWRONGTYPE,
		ErrAccess: abi.EACCES, ErrNoSpace: abi.ENOSPACE, ErrPeerClosed: abi.EPEERCLOSED,
		ErrQueueFull: abi.EQUEUEFULL, ErrEmpty: abi.EEMPTY, ErrTimedOut: abi.ETIMEDOUT,
		ErrSchema: abi.ESCHEMA, ErrTooLarge: abi.ETOOLARGE, ErrBufferTooSmall: abi.EBUFSMALL,
		ErrBadSchema: abi.EBADSCHEMA, ErrIO: abi.EIO, ErrNoMemory: abi.ENOMEM, ErrAgain: abi.EAGAIN,
	}
	if len(named) != numErrnos-1 {
		t.Errorf("%d named errors, want %d", len(named), numErrnos-1)
	}
	for s, k := range named {
		if uint64(s) != uint64(k) {
			t.Errorf("%s is %d in sdk, %d in the kernel", s, uint64(s), uint64(k))
		}
	}
	if got := Errno(99).String(); got != "E99" {
		t.Errorf("Errno(99).String() = %q", got)
	}
}

func TestRightsSignalsTypesMatchKernel(t *testing.T) {
	if len(cap.RightList) != len(rightNames) || uint32(RightsAll) != uint32(cap.RightsAll) {
		t.Fatalf("kernel has %d rights (all %#x), sdk %d (all %#x)", len(cap.RightList), uint32(cap.RightsAll), len(rightNames), uint32(RightsAll))
	}
	for i, r := range cap.RightList {
		if s := Rights(1 << i); uint32(s) != uint32(r.Right) || s.String() != r.Name {
			t.Errorf("right %d: sdk %#x %s, kernel %#x %s", i, uint32(s), s, uint32(r.Right), r.Name)
		}
	}
	if len(wait.SignalList) != len(signalNames) {
		t.Fatalf("kernel has %d signals, sdk %d", len(wait.SignalList), len(signalNames))
	}
	for i, s := range wait.SignalList {
		if g := Signals(1 << i); uint32(g) != uint32(s.Signal) || g.String() != s.Name {
			t.Errorf("signal %d: sdk %#x %s, kernel %#x %s", i, uint32(g), g, uint32(s.Signal), s.Name)
		}
	}
	for i := range len(typeNames) + 1 {
		if got, want := ObjectType(i).String(), cap.Type(i).String(); i < len(typeNames) && got != want {
			t.Errorf("object type %d: sdk %s, kernel %s", i, got, want)
		}
		if want := i < len(typeNames); cap.Type(i).Valid() != want {
			t.Errorf("object type %d: kernel valid %v, sdk %v", i, cap.Type(i).Valid(), want)
		}
	}
	for _, tc := range []struct{ got, want string }{
		{(RightRead | RightWait).String(), "read|wait"},
		{RightsNone.String(), "none"},
		{(RightManage | 1<<9).String(), "manage|unknown"},
		{(Readable | PeerClosed).String(), "readable|peer_closed"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestLimitsMatchKernel(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sdk, kern int
	}{
		{"MaxData", MaxData, ipc.MaxData},
		{"MaxHandles", MaxHandles, ipc.MaxHandles},
		{"MaxQueue", MaxQueue, ipc.MaxQueue},
		{"MaxSchemaTypes", MaxSchemaTypes, ipc.MaxSchemaTypes},
		{"MaxWaitItems", MaxWaitItems, abi.MaxWaitItems},
		{"MaxIOBytes", MaxIOBytes, abi.MaxIOBytes},
		{"MaxImageName", MaxImageName, abi.MaxImageName},
		{"MaxSpawnArgs", MaxSpawnArgs, abi.MaxSpawnArgs},
		{"MaxSpawnHandles", MaxSpawnHandles, abi.MaxSpawnHands},
		{"ClockMonotonic", ClockMonotonic, abi.ClockMonotonic},
		{"ClockRealtime", ClockRealtime, abi.ClockRealtime},
		{"WaitItem size", int(unsafe.Sizeof(WaitItem{})), abi.WaitItemSize},
		{"descriptor size", int(unsafe.Sizeof(msgDesc{})), abi.MsgDescSize},
	} {
		if tc.sdk != tc.kern {
			t.Errorf("%s: sdk %d, kernel %d", tc.name, tc.sdk, tc.kern)
		}
	}
	if uint64(Now) != abi.DeadlineNow || uint64(Never) != abi.DeadlineNever {
		t.Errorf("deadlines Now %d Never %#x, kernel %d %#x", Now, uint64(Never), abi.DeadlineNow, uint64(abi.DeadlineNever))
	}
}

// TestMsgDescLayout checks that the bytes of a msgDesc in memory are what
// the kernel's MsgDesc marshals to.
func TestMsgDescLayout(t *testing.T) {
	d := &msgDesc{typ: 0x11223344, txid: 0x55667788, data: 0x0102030405060708, dataLen: 0x99aabbcc, handlesLen: 0xddeeff00, handles: 0x1112131415161718}
	want := (&abi.MsgDesc{Type: d.typ, Txid: d.txid, Data: d.data, DataLen: d.dataLen, HandlesLen: d.handlesLen, Handles: d.handles}).Marshal()
	got := unsafe.Slice((*byte)(unsafe.Pointer(d)), unsafe.Sizeof(*d))
	if !bytes.Equal(got, want) {
		t.Errorf("descriptor bytes\n got % x\nwant % x", got, want)
	}
	w := &WaitItem{Handle: 0x01020304, Want: Readable | PeerClosed, Observed: Signaled}
	got = unsafe.Slice((*byte)(unsafe.Pointer(w)), unsafe.Sizeof(*w))
	want = []byte{4, 3, 2, 1, 5, 0, 0, 0, 8, 0, 0, 0}
	if !bytes.Equal(got, want) {
		t.Errorf("wait item bytes % x, want % x", got, want)
	}
}

func TestSchemaMarshalMatchesKernel(t *testing.T) {
	s := Schema{
		{Type: 7, MaxData: 100, Handles: []HandleSpec{{TypeChannel, RightRead | RightWrite}, {TypeAny, RightsNone}}},
		{Type: 1, MaxData: MaxData},
		{Type: 3, Handles: []HandleSpec{{TypeProcess, RightWait}}},
	}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ipc.ParseSchema(b)
	if err != nil {
		t.Fatalf("kernel refuses the schema: %v", err)
	}
	var specs []ipc.MessageSpec
	for _, m := range s {
		sp := ipc.MessageSpec{Type: m.Type, MaxData: m.MaxData}
		for _, h := range m.Handles {
			sp.Handles = append(sp.Handles, ipc.HandleSpec{Type: cap.Type(h.Type), Rights: cap.Rights(h.Rights)})
		}
		specs = append(specs, sp)
	}
	ks, err := ipc.NewSchema(specs...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ks.MarshalBinary()
	got, _ := parsed.MarshalBinary()
	if !bytes.Equal(got, want) {
		t.Errorf("the kernel reads back\n% x\nwant\n% x", got, want)
	}
}

func TestSchemaMarshalRefusals(t *testing.T) {
	many := make(Schema, MaxSchemaTypes+1)
	for i := range many {
		many[i].Type = uint32(i)
	}
	for _, tc := range []struct {
		name string
		s    Schema
	}{
		{"empty", Schema{}},
		{"too many types", many},
		{"twice", Schema{{Type: 1}, {Type: 2}, {Type: 1}}},
		{"too much data", Schema{{Type: 1, MaxData: MaxData + 1}}},
		{"too many handles", Schema{{Type: 1, Handles: make([]HandleSpec, MaxHandles+1)}}},
		{"unknown type", Schema{{Type: 1, Handles: []HandleSpec{{TypeLog + 1, 0}}}}},
		{"unknown rights", Schema{{Type: 1, Handles: []HandleSpec{{TypeAny, RightsAll + 1}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.s.MarshalBinary()
			if !errors.Is(err, ErrBadSchema) {
				t.Fatalf("err = %v, want ErrBadSchema", err)
			}
			if b != nil {
				t.Errorf("bytes returned with the error")
			}
		})
	}
}
