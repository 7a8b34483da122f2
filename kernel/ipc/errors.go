package ipc

import (
	"errors"

	"clk/kernel/wait"
)

// The causes of a failed channel operation; test with errors.Is. Handle
// errors (package cap) pass through unchanged.
var (
	// ErrPeerClosed: the other endpoint is gone. Messages already queued
	// can still be read.
	ErrPeerClosed = errors.New("peer closed")
	// ErrQueueFull: a non-blocking write found the peer's queue full.
	ErrQueueFull = errors.New("queue full")
	// ErrEmpty: a non-blocking read found no message.
	ErrEmpty = errors.New("no message")
	// ErrTimedOut: the deadline passed first. It is wait.ErrTimedOut.
	ErrTimedOut = wait.ErrTimedOut
	// ErrStopped: the caller's stop channel closed first (its process is
	// ending). It is wait.ErrStopped.
	ErrStopped = wait.ErrStopped
	// ErrSchema: the message does not match the channel's schema (type
	// not declared, wrong handle count, handle of the wrong type or
	// without the rights the schema wants). It was not queued.
	ErrSchema = errors.New("message refused by schema")
	// ErrTooLarge: the message carries more data than its type allows.
	// It was not queued.
	ErrTooLarge = errors.New("message too large")
	// ErrBadSchema: a schema is malformed.
	ErrBadSchema = errors.New("malformed schema")
	// ErrBufferTooSmall: the next message does not fit the reader's
	// buffers; it stays queued.
	ErrBufferTooSmall = errors.New("buffer too small")
	// ErrSelfTransfer: a message tried to carry an endpoint of its own
	// channel.
	ErrSelfTransfer = errors.New("endpoint sent through its own channel")
	// ErrCarrier: a message tried to carry a channel endpoint whose own
	// queue holds channel endpoints. Refusing it is what keeps endpoints in
	// flight from forming a cycle that no process could ever reach.
	ErrCarrier = errors.New("endpoint carries endpoints in its queue")
)
