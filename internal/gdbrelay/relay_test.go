package gdbrelay

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// ends starts a Relay between two pipes and returns the test's ends: the
// debugger's and the stub's, each with a frame reader, and Run's result.
func ends(t *testing.T) (dbg net.Conn, dbgIn *bufio.Reader, stub net.Conn, stubIn *bufio.Reader, done <-chan error) {
	t.Helper()
	dbg, relayDbg := net.Pipe()
	stub, relayStub := net.Pipe()
	t.Cleanup(func() { dbg.Close(); stub.Close() })
	for _, c := range []net.Conn{dbg, stub} {
		c.SetDeadline(time.Now().Add(10 * time.Second))
	}
	r := &Relay{Debugger: relayDbg, Stub: relayStub}
	ch := make(chan error, 1)
	go func() { ch <- r.Run() }()
	return dbg, bufio.NewReader(dbg), stub, bufio.NewReader(stub), ch
}

func send(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

func expect(t *testing.T, in *bufio.Reader, want string) {
	t.Helper()
	got, err := readFrame(in)
	if err != nil {
		t.Fatalf("reading %q: %v", want, err)
	}
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestStopQueryIsDroppedOnlyWhileTheTargetRuns(t *testing.T) {
	dbg, dbgIn, stub, stubIn, _ := ends(t)
	send(t, dbg, packet("vCont;c"))
	expect(t, stubIn, string(packet("vCont;c")))
	// Delve's query after 10 s of silence: acknowledged by the relay,
	// never seen by the stub, whose next packet must be the step below.
	send(t, dbg, packet("?"))
	expect(t, dbgIn, "+")
	send(t, stub, packet("T05thread:p01.01;"))
	expect(t, dbgIn, string(packet("T05thread:p01.01;")))
	// Stopped, a query goes through.
	send(t, dbg, packet("?"))
	expect(t, stubIn, string(packet("?")))
}

func TestAcknowledgementsAndInterruptsPassUnchanged(t *testing.T) {
	dbg, dbgIn, stub, stubIn, _ := ends(t)
	send(t, dbg, []byte{'+'})
	expect(t, stubIn, "+")
	send(t, dbg, []byte{0x03})
	expect(t, stubIn, "\x03")
	// A binary write whose data holds '$' escaped and a raw 0x03.
	x := []byte("$X100,2:}\x04\x03#00")
	send(t, dbg, x)
	expect(t, stubIn, string(x))
	send(t, stub, []byte{'-'})
	expect(t, dbgIn, "-")
}

func TestKillDetachesAndAnswersAsAnExit(t *testing.T) {
	dbg, dbgIn, stub, stubIn, done := ends(t)
	send(t, dbg, packet("k"))
	expect(t, stubIn, string(packet("D;1")))
	expect(t, dbgIn, "+")
	expect(t, dbgIn, string(packet("X09")))
	send(t, dbg, []byte{'+'})
	send(t, stub, packet("OK"))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil after a kill", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end after the kill")
	}
}

func TestAfterNoAckModeNothingIsAcknowledgedByTheRelay(t *testing.T) {
	dbg, dbgIn, stub, stubIn, _ := ends(t)
	send(t, dbg, packet("QStartNoAckMode"))
	expect(t, stubIn, string(packet("QStartNoAckMode")))
	send(t, stub, packet("OK"))
	expect(t, dbgIn, string(packet("OK")))
	send(t, dbg, packet("c"))
	expect(t, stubIn, string(packet("c")))
	send(t, dbg, packet("?"))
	// No '+' for the dropped query: the next frame is the stop.
	send(t, stub, packet("S05"))
	expect(t, dbgIn, string(packet("S05")))
}
