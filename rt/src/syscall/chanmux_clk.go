// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

import (
	"runtime"
	"sync"
	"unsafe"
)

// A channelMux is a transport on which many requests wait at once without
// holding a thread each: a ring-3 program's channel to a service whose
// calls may wait long (the network service's NetAccept and NetRead wait
// for peers). channelCall's channel_call keeps its thread in the kernel
// until the reply comes, so a program with a thousand idle connections
// would need a thousand threads, more than a process may have. Instead,
// call sends each request with channel_write under a transaction id of
// its own choosing and parks on a Go channel; one goroutine reads the
// replies with channel_read and hands each to the call whose id it
// carries (the kernel queues a reply when no channel_call waits for its
// id, and the service's side cannot tell the difference). That reader
// runs only while calls wait, so an idle program has no thread in the
// kernel for it. A request is sent without waiting when the service's
// queue has room; when it is full, the callers take turns (wmu) at the
// write that waits for room, so that they too wait parked, not each in a
// thread of its own.
type channelMux struct {
	write func(typ, txid uint32, req []byte, wait bool) Errno
	read  func(buf []byte) (typ, txid uint32, n int, err Errno)

	// wmu is held by the one caller whose write waits for room.
	wmu sync.Mutex

	mu      sync.Mutex
	waiting map[uint32]*muxCall // by transaction id
	next    uint32              // the id given last
	reading bool                // a goroutine reads replies
	gone    bool                // the channel failed: every call fails
}

// muxCall is a call that waits for its reply.
type muxCall struct {
	typ  uint32
	resp []byte
	n    int
	err  Errno
	done chan struct{}
}

// newChannelMux returns the transport of channel handle h, in the form
// clkMountService and clkNetService take.
func newChannelMux(h uint32) func(typ uint32, req, resp []byte) (int, Errno) {
	return muxOver(
		func(typ, txid uint32, req []byte, wait bool) Errno { return channelWrite(h, typ, txid, req, wait) },
		func(buf []byte) (uint32, uint32, int, Errno) { return channelRead(h, buf) })
}

// muxOver returns the transport of a channel that write and read reach:
// write sends a message with a transaction id, waiting for room in the
// peer's queue if wait, else failing with EAGAIN when there is none; read
// takes the next message into buf, waiting for one. Either fails
// otherwise only when the channel does.
func muxOver(write func(typ, txid uint32, req []byte, wait bool) Errno, read func(buf []byte) (typ, txid uint32, n int, err Errno)) func(typ uint32, req, resp []byte) (int, Errno) {
	m := &channelMux{write: write, read: read, waiting: make(map[uint32]*muxCall)}
	return m.call
}

// call sends a request and waits for its reply. It returns EIO when the
// channel fails (the service is gone) or the reply does not fit.
func (m *channelMux) call(typ uint32, req, resp []byte) (int, Errno) {
	c := &muxCall{typ: typ, resp: resp, done: make(chan struct{})}
	m.mu.Lock()
	if m.gone {
		m.mu.Unlock()
		return 0, EIO
	}
	for {
		m.next++
		if _, busy := m.waiting[m.next]; m.next != 0 && !busy {
			break
		}
	}
	txid := m.next
	m.waiting[txid] = c
	if !m.reading {
		m.reading = true
		go m.readReplies()
	}
	m.mu.Unlock()

	st := m.write(typ, txid, req, false)
	if st == EAGAIN {
		m.wmu.Lock()
		st = m.write(typ, txid, req, true)
		m.wmu.Unlock()
	}
	if st != 0 {
		m.mu.Lock()
		delete(m.waiting, txid)
		m.mu.Unlock()
		return 0, EIO
	}
	<-c.done
	return c.n, c.err
}

// readReplies hands the replies to their calls until none waits, or the
// channel fails. A reply no call waits for (its call failed to send) is
// dropped.
func (m *channelMux) readReplies() {
	buf := make([]byte, clkMaxData)
	for {
		typ, txid, n, st := m.read(buf)
		m.mu.Lock()
		if st != 0 {
			// The service is gone (EPEERCLOSED), or the handle.
			m.gone, m.reading = true, false
			for id, c := range m.waiting {
				delete(m.waiting, id)
				c.err = EIO
				close(c.done)
			}
			m.mu.Unlock()
			return
		}
		if c := m.waiting[txid]; c != nil {
			delete(m.waiting, txid)
			if typ != c.typ || n > len(buf) || n > len(c.resp) {
				c.err = EIO
			} else {
				c.n = copy(c.resp, buf[:n])
			}
			close(c.done)
		}
		if len(m.waiting) == 0 {
			m.reading = false
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
	}
}

// channelWrite makes channel_write on handle h: waiting for room if
// wait, else failing with EAGAIN when the peer's queue is full (a write
// that cannot wait needs no entersyscall). EIO when the kernel refuses
// otherwise (the peer is gone, or the handle).
func channelWrite(h, typ, txid uint32, req []byte, wait bool) Errno {
	d := callDescPool.Get().(*callDescs)
	d.w = msgDesc{typ: typ, txid: txid, data: sliceAddr(req), dataLen: uint32(len(req))}
	// unsafe.Pointer: the kernel reads d.w by address; d lives on the
	// heap and stays live until it returns to the pool.
	desc := uint64(uintptr(unsafe.Pointer(&d.w)))
	var st uint64
	if wait {
		st = blockingSyscall(clkSysChannelWrite, uint64(h), desc, clkDeadlineNever, 0)
	} else {
		st, _ = rawSyscall(clkSysChannelWrite, uint64(h), desc, clkDeadlineNow, 0, 0, 0)
	}
	runtime.KeepAlive(req)
	*d = callDescs{}
	callDescPool.Put(d)
	switch {
	case st == clkEQUEUEFULL && !wait:
		return EAGAIN
	case st != 0:
		return EIO
	}
	return 0
}

// channelRead makes channel_read on handle h into buf, waiting for a
// message; EIO when the kernel refuses.
func channelRead(h uint32, buf []byte) (typ, txid uint32, n int, err Errno) {
	d := callDescPool.Get().(*callDescs)
	d.r = msgDesc{data: sliceAddr(buf), dataLen: uint32(min(len(buf), clkMaxData))}
	// unsafe.Pointer: as in channelWrite, for d.r, which the kernel writes.
	st := blockingSyscall(clkSysChannelRead, uint64(h), uint64(uintptr(unsafe.Pointer(&d.r))), clkDeadlineNever, 0)
	runtime.KeepAlive(buf)
	typ, txid, n = d.r.typ, d.r.txid, int(d.r.dataLen)
	*d = callDescs{}
	callDescPool.Put(d)
	if st != 0 {
		return 0, 0, 0, EIO
	}
	return typ, txid, n, 0
}
