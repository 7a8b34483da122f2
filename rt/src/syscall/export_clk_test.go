// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package syscall

var ClkMount = clkMount

// ClkSetTmpBudget sets the bytes /tmp may hold and returns the previous
// bound.
func ClkSetTmpBudget(n int64) (old int64) {
	fsMu.Lock()
	defer fsMu.Unlock()
	old, tmpBudget = tmpBudget, n
	return old
}

// ClkTmpUsed returns the bytes /tmp holds.
func ClkTmpUsed() int64 {
	fsMu.RLock()
	defer fsMu.RUnlock()
	return tmpUsed
}

// ClkMountService is clkMountService: the tests install fake services.
var ClkMountService = clkMountService

// ClkParseHandle is how a program reads its channel to the service from
// its environment.
var ClkParseHandle = parseHandle

// ClkMuxOver is muxOver: the tests give it channels of their own.
var ClkMuxOver = muxOver

// The file protocol, for the tests' fake service.
const (
	ClkFSOpen     = fsOpen
	ClkFSClose    = fsClose
	ClkFSRead     = fsRead
	ClkFSWrite    = fsWrite
	ClkFSStat     = fsStat
	ClkFSFstat    = fsFstat
	ClkFSReadDir  = fsReadDir
	ClkFSMkdir    = fsMkdir
	ClkFSRemove   = fsRemove
	ClkFSRename   = fsRename
	ClkFSTruncate = fsTruncate
	ClkFSSync     = fsSync

	ClkFSOpenRead      = fsOpenRead
	ClkFSOpenWrite     = fsOpenWrite
	ClkFSOpenCreate    = fsOpenCreate
	ClkFSOpenExcl      = fsOpenExcl
	ClkFSOpenTrunc     = fsOpenTrunc
	ClkFSOpenAppend    = fsOpenAppend
	ClkFSOpenDirectory = fsOpenDirectory

	ClkFSMaxIO    = fsMaxIO
	ClkFSModeDir  = fsModeDir
	ClkFSModeFile = fsModeFile
	ClkMaxData    = clkMaxData
)
