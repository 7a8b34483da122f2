// Package abi is clk's application binary interface, declared once: the
// syscall numbers and each call's specification (arguments, rights
// required, errors, effect), the status codes, rights, signals and object
// types, the kernel's limits, the records calls read and write in user
// memory, the user address range, and the message protocols programs share
// with the kernel and the shell.
//
// Everything that crosses the boundary between ring 3 and the kernel
// takes its numbers from here: the kernel's object model (kernel/cap,
// kernel/ipc, kernel/wait), its syscall handlers (kernel/syscalls), the
// SDK programs import (sdk), and the user personality of the Go runtime,
// whose copy (rt/src/runtime/zabi_clk.go) is generated from this package
// because the runtime cannot import it; package syscall's copy of the calls
// it makes and of the file protocol (rt/src/syscall/zabi_clk.go,
// zfs_clk.go) and package net's of the network protocol
// (rt/src/net/znet_clk.go) likewise. docs/abi.md is generated from the
// same tables. Tests fail when a generated file is stale; rewrite them all
// with
//
//	go generate ./abi
//
// The package imports nothing of clk's and holds no state, so that every
// layer can depend on it and a program pays little for it.
package abi

//go:generate go test -run TestGeneratedFilesAreCurrent -update
