// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package net

import "syscall"

// Socket options on clk: the fake network's as on js and wasip1
// (sockopt_fake.go); the network service's through net_clk.go, which
// knows SO_KEEPALIVE alone of these.

func setReadBuffer(fd *netFD, bytes int) error {
	if fd.remote == nil {
		return fd.fakeNetFD.setReadBuffer(bytes)
	}
	return syscall.ENOPROTOOPT
}

func setWriteBuffer(fd *netFD, bytes int) error {
	if fd.remote == nil {
		return fd.fakeNetFD.setWriteBuffer(bytes)
	}
	return syscall.ENOPROTOOPT
}

func setKeepAlive(fd *netFD, keepalive bool) error {
	if fd.remote == nil {
		return syscall.ENOPROTOOPT
	}
	return fd.remote.setOption(netOptKeepAlive, keepalive)
}

func setLinger(fd *netFD, sec int) error {
	if fd.remote == nil {
		return fd.fakeNetFD.setLinger(sec)
	}
	return syscall.ENOPROTOOPT
}
