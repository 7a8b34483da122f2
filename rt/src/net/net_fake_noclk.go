// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build js || wasip1

package net

import (
	"context"
	"syscall"
)

// serviceSocket is clk's way out of the fake network (net_clk.go), which
// net_fake.go's socket asks first. js and wasip1 have nothing else.
func serviceSocket(ctx context.Context, net string, family, sotype int, ipv6only bool, laddr, raddr sockaddr, ctrlCtxFn func(context.Context, string, string, syscall.RawConn) error) (fd *netFD, ok bool, err error) {
	return nil, false, nil
}
