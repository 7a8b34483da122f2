// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package net

import (
	"syscall"
	"time"
)

// TCP options on clk: none on the fake network, as on js and wasip1
// (tcpsockopt_stub.go); TCP_NODELAY on the network service, whose
// protocol has no keep-alive timings.

func setNoDelay(fd *netFD, noDelay bool) error {
	if fd.remote == nil {
		return syscall.ENOPROTOOPT
	}
	return fd.remote.setOption(netOptNoDelay, noDelay)
}

func setKeepAliveIdle(fd *netFD, d time.Duration) error {
	return syscall.ENOPROTOOPT
}

func setKeepAliveInterval(fd *netFD, d time.Duration) error {
	return syscall.ENOPROTOOPT
}

func setKeepAliveCount(fd *netFD, n int) error {
	return syscall.ENOPROTOOPT
}
