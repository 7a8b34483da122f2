// Package syscalls is the kernel's side of the syscall interface: the
// code of every call that package abi declares, one file per kind of
// object (handle, channel, wait, process, thread, vm, clock, timer, log,
// console, random, system), and Dispatcher.Dispatch, which takes the raw
// registers of a syscall (a number and six arguments) with the caller's
// process and address space and runs the call against the object model
// (packages cap, ipc, object).
//
// The numbers, statuses, rights, limits and records come from package abi,
// whose table also drives docs/abi.md. A test checks that exactly the calls
// abi marks wired have code here; a fuzz test checks that Dispatch never
// panics and that every status a call returns is one its entry documents.
//
// Every argument is validated before use: handle values against the
// caller's table, rights and signal masks against the defined bits,
// lengths against the kernel's limits before any buffer is allocated, and
// pointers through AddressSpace, whose implementations check the whole
// range. The ring-3 side implements AddressSpace over a process's page
// tables and calls Dispatch from its SYSCALL path; SliceSpace is the host
// implementation the tests use.
//
// Calls that block (channel_write on a full queue, channel_read,
// channel_call, object_wait_many, clock_sleep) block the calling
// goroutine, which is the one driving the process.
//
// # Locking
//
// This package holds no locks of its own; it takes those of cap, ipc and
// object in their documented order (ipc's: transferMu < channel.mu <
// cap.Table.mu). deliver runs inside ipc's read callback, under the
// channel's lock, and from there takes the caller's table lock
// (channel.mu < cap.Table.mu); as channel_call's callback it runs with no
// channel lock held.
package syscalls
