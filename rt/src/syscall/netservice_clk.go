// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

import (
	"sync"
	"sync/atomic"
	_ "unsafe" // for go:linkname
)

// The network service's transport. Package net makes its TCP and UDP
// sockets of the network service when there is one (rt/src/net/net_clk.go
// speaks the protocol, clk/abi's net.go); package syscall only carries
// its messages. A ring-3 program whose environment names its channel to
// the service (clkNetEnv, CLK_NET) gets a channelMux on it when package
// net first asks; the kernel, or a test, installs a transport of its own
// with clkNetService.

// A netTransport carries the network protocol; see clkNetService.
type netTransport struct {
	call  func(typ uint32, req, resp []byte) (int, Errno)
	clock func() uint64
}

var (
	// netService is the installed transport, nil without one.
	netService atomic.Pointer[netTransport]
	// netFromEnvOnce reads the environment once, unless clkNetService
	// was called first.
	netFromEnvOnce sync.Once
)

// clkNetService gives package net's sockets a transport to the network
// service, replacing the one before, or, with call nil, takes it away:
// sockets made afterwards belong to the in-memory network of
// net_fake.go again. Each socket keeps the transport it was made with,
// whose channel its id belongs to. It may be called at any time, from
// any goroutine. The kernel, or a test, pulls it with //go:linkname,
// declaring
//
//	//go:linkname netService syscall.clkNetService
//	func netService(call func(typ uint32, req, resp []byte) (int, syscall.Errno), clock func() uint64)
//
// call has clkMountService's contract: it sends a message of type typ
// with data req to the service, waits for the reply to it, copies the
// reply's data into resp (which has room for clkMaxData bytes) and
// returns its length, or EIO, and nothing else, when no reply of type typ
// that fits comes: the service is gone or misbehaved. It is called from
// many goroutines at once, each of which may wait long (a read waits for
// the peer), so it had better not hold a thread per call. clock returns
// the kernel's monotonic clock (clock_get's ClockMonotonic), in which the
// protocol's deadlines count.
//
//go:linkname clkNetService
func clkNetService(call func(typ uint32, req, resp []byte) (int, Errno), clock func() uint64) {
	netFromEnvOnce.Do(func() {})
	if call == nil {
		netService.Store(nil)
		return
	}
	netService.Store(&netTransport{call: call, clock: clock})
}

// clkNetTransport returns the transport of the network service, nil
// without one. Package net pulls it with //go:linkname.
//
//go:linkname clkNetTransport
func clkNetTransport() (call func(typ uint32, req, resp []byte) (int, Errno), clock func() uint64) {
	netFromEnvOnce.Do(netFromEnv)
	t := netService.Load()
	if t == nil {
		return nil, nil
	}
	return t.call, t.clock
}

// netFromEnv installs the transport of a ring-3 program whose
// environment names its channel to the network service.
func netFromEnv() {
	if !userMode() {
		return
	}
	v, ok := Getenv(clkNetEnv)
	if !ok || v == "" {
		return
	}
	h, ok := parseHandle(v)
	if !ok {
		print("syscall: ", clkNetEnv, "=", v, ": not a handle\n")
		return
	}
	netService.Store(&netTransport{call: newChannelMux(h), clock: monotonic})
}

// monotonic returns the kernel's monotonic clock, in nanoseconds.
func monotonic() uint64 {
	_, ns := rawSyscall(clkSysClockGet, clkClockMonotonic, 0, 0, 0, 0, 0)
	return ns
}
