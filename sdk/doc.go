// Package sdk is how clk programs talk to the kernel: handles, channels,
// waiting, processes, the console, clocks and random bytes, as Go types
// and functions over the syscalls of docs/abi.md.
//
// A ring-3 program is an ordinary package main built for GOOS=clk; this
// package is its whole interface to the kernel:
//
//	c, peer, err := sdk.NewChannel(sdk.Schema{{Type: 1, MaxData: 8}}, 0)
//	child, err := sdk.Spawn("echo", nil, []sdk.Handle{peer.Handle})
//	err = c.Write(1, buf, nil, sdk.Never)
//	m, err := c.Read(rbuf, nil, sdk.After(time.Second))
//
// # Backends
//
// Every call goes through a Backend. On GOOS=clk the default one executes
// the SYSCALL instruction (number in RAX, arguments in RDI, RSI, RDX, R10,
// R8, R9; status back in RAX, value in RDX); in the kernel itself it fails
// with abi.ENOSYS. Code linked into the kernel
// installs kernel/syscalls' Direct with SetBackend, which calls the kernel's
// dispatcher with the caller's own memory as the address space. Elsewhere
// there is no default, so the package builds and tests on any system;
// every call fails with abi.ENOSYS until a backend is installed.
//
// # Errors
//
// A failed call returns an *Error naming the call and wrapping its abi.Errno;
// test for a cause with errors.Is(err, abi.EPEERCLOSED) and the like.
// Returning one allocates nothing.
//
// # Memory
//
// The kernel receives addresses as numbers. The functions here make the
// compiler place every buffer they pass on the heap, which never moves
// (a goroutine stack may move while a call runs), and keep it alive until
// the call returns. Write, Read and Call take their descriptors from a
// pool, so a loop of them allocates nothing: a buffer allocated once
// serves every iteration.
//
// # Imports
//
// The numbers and types of the ABI (call numbers, status codes, rights,
// signals, object types, limits, descriptor layouts) are package abi's,
// which programs import next to this one. Neither imports the kernel, so a
// program links none of the kernel's syscall code.
package sdk
