// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall_test

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The transport of ring-3 programs to services whose calls wait
// (chanmux_clk.go), over a channel in memory: fakeChannel stands for
// channel_write and channel_read, and the test plays the service.

type fakeMsg struct {
	typ, txid uint32
	data      []byte
}

type fakeChannel struct {
	requests chan fakeMsg // what the client wrote: the service's queue
	replies  chan fakeMsg // what the client reads
	gone     chan struct{}
	reading  atomic.Int32 // reads in progress
	waiting  atomic.Int32 // writes that wait for room in progress
	most     atomic.Int32 // the most writes that waited at once
}

// newFakeChannel returns a channel whose service's queue holds depth
// requests.
func newFakeChannel(depth int) *fakeChannel {
	return &fakeChannel{requests: make(chan fakeMsg, depth), replies: make(chan fakeMsg, 1000), gone: make(chan struct{})}
}

func (c *fakeChannel) write(typ, txid uint32, req []byte, wait bool) syscall.Errno {
	m := fakeMsg{typ, txid, append([]byte(nil), req...)}
	if !wait {
		select {
		case c.requests <- m:
			return 0
		case <-c.gone:
			return syscall.EIO
		default:
			return syscall.EAGAIN
		}
	}
	n := c.waiting.Add(1)
	defer c.waiting.Add(-1)
	for old := c.most.Load(); n > old && !c.most.CompareAndSwap(old, n); old = c.most.Load() {
	}
	select {
	case c.requests <- m:
		return 0
	case <-c.gone:
		return syscall.EIO
	}
}

func (c *fakeChannel) read(buf []byte) (uint32, uint32, int, syscall.Errno) {
	c.reading.Add(1)
	defer c.reading.Add(-1)
	select {
	case m := <-c.replies:
		return m.typ, m.txid, copy(buf, m.data), 0
	case <-c.gone:
		return 0, 0, 0, syscall.EIO
	}
}

func (c *fakeChannel) transport() func(typ uint32, req, resp []byte) (int, syscall.Errno) {
	return syscall.ClkMuxOver(c.write, c.read)
}

// request takes the next request the client wrote.
func (c *fakeChannel) request(t *testing.T) fakeMsg {
	t.Helper()
	select {
	case m := <-c.requests:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no request came")
		return fakeMsg{}
	}
}

type muxResult struct {
	req, resp string
	err       syscall.Errno
}

// callAll makes n calls at once, each with a request of its own, and
// returns what came back.
func callAll(call func(uint32, []byte, []byte) (int, syscall.Errno), n int) <-chan muxResult {
	out := make(chan muxResult, n)
	for i := range n {
		go func() {
			req := fmt.Sprintf("request %d", i)
			resp := make([]byte, 65536)
			k, err := call(7, []byte(req), resp)
			out <- muxResult{req, string(resp[:k]), err}
		}()
	}
	return out
}

func TestChannelMuxGivesEachCallItsOwnReply(t *testing.T) {
	c := newFakeChannel(1000)
	const n = 200
	results := callAll(c.transport(), n)
	// The service answers all of them, the last first.
	reqs := make([]fakeMsg, n)
	for i := range reqs {
		reqs[i] = c.request(t)
	}
	for i := n - 1; i >= 0; i-- {
		c.replies <- fakeMsg{reqs[i].typ, reqs[i].txid, append([]byte("reply to "), reqs[i].data...)}
	}
	for range n {
		r := <-results
		if r.err != 0 || r.resp != "reply to "+r.req {
			t.Fatalf("%s: %q, %v", r.req, r.resp, r.err)
		}
	}
	// With no call waiting, nothing reads the channel.
	for deadline := time.Now().Add(5 * time.Second); c.reading.Load() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a read of the channel outlived the calls")
		}
	}
	// And the next call starts reading again.
	results = callAll(c.transport(), 1)
	m := c.request(t)
	c.replies <- fakeMsg{m.typ, m.txid, []byte("again")}
	if r := <-results; r.err != 0 || r.resp != "again" {
		t.Fatalf("after a pause: %q, %v", r.resp, r.err)
	}
}

func TestChannelMuxRefusesRepliesThatDoNotMatch(t *testing.T) {
	c := newFakeChannel(1000)
	call := c.transport()
	results := callAll(call, 2)
	a, b := c.request(t), c.request(t)
	c.replies <- fakeMsg{a.typ, a.txid + b.txid + 100, []byte("nobody's")} // dropped
	c.replies <- fakeMsg{a.typ + 1, a.txid, []byte("wrong type")}
	c.replies <- fakeMsg{b.typ, b.txid, []byte("right")}
	got := map[string]muxResult{}
	for range 2 {
		r := <-results
		got[r.req] = r
	}
	if r := got[string(a.data)]; r.err != syscall.EIO {
		t.Errorf("a reply of another type: %q, %v; want EIO", r.resp, r.err)
	}
	if r := got[string(b.data)]; r.err != 0 || r.resp != "right" {
		t.Errorf("the other call: %q, %v", r.resp, r.err)
	}
}

func TestChannelMuxFailsEveryCallWhenTheChannelGoes(t *testing.T) {
	c := newFakeChannel(1000)
	call := c.transport()
	results := callAll(call, 10)
	for range 10 {
		c.request(t)
	}
	close(c.gone)
	for range 10 {
		if r := <-results; r.err != syscall.EIO {
			t.Fatalf("a call waiting when the channel went: %q, %v; want EIO", r.resp, r.err)
		}
	}
	if _, err := call(7, []byte("late"), make([]byte, 65536)); err != syscall.EIO {
		t.Fatalf("a call after the channel went: %v, want EIO", err)
	}
}

func TestChannelMuxCallersWaitForRoomOneAtATime(t *testing.T) {
	c := newFakeChannel(4)
	const n = 100
	results := callAll(c.transport(), n)
	// The service is slow: the queue fills, and the callers beyond it
	// wait for room, which one of them at a time does in a write.
	time.Sleep(50 * time.Millisecond)
	for range n {
		m := c.request(t)
		c.replies <- fakeMsg{m.typ, m.txid, m.data}
	}
	for range n {
		if r := <-results; r.err != 0 || r.resp != r.req {
			t.Fatalf("%s: %q, %v", r.req, r.resp, r.err)
		}
	}
	if most := c.most.Load(); most != 1 {
		t.Fatalf("%d writes waited for room at once, want 1", most)
	}
}
