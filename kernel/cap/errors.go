package cap

import (
	"errors"
	"fmt"
)

// The causes of a failed handle operation. Every error this package
// returns wraps exactly one of them; test with errors.Is.
var (
	// ErrBadHandle: the value names no handle in this table. It is what a
	// forged value, or one taken from another process's table, gets.
	ErrBadHandle = errors.New("bad handle")
	// ErrClosed: the value named a handle of this table that was closed
	// or moved away recently.
	ErrClosed = errors.New("handle closed")
	// ErrRevoked: the handle was revoked through one of its ancestors; it
	// stays in the table, unusable, until closed.
	ErrRevoked = errors.New("handle revoked")
	// ErrWrongType: the handle refers to an object of another type.
	ErrWrongType = errors.New("wrong object type")
	// ErrAccessDenied: the handle lacks a right the operation needs, or a
	// duplicate asked for rights its source does not have.
	ErrAccessDenied = errors.New("insufficient rights")
	// ErrNoSpace: the table holds its maximum number of handles.
	ErrNoSpace = errors.New("handle table full")
	// ErrInvalid: the request is malformed (a handle named twice in one
	// transfer, unknown rights bits).
	ErrInvalid = errors.New("invalid argument")
)

// Error is a failed operation on one handle.
type Error struct {
	Op     string // "close", "duplicate", "lookup", ...
	Handle Handle
	Err    error // one of the Err* causes above
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s handle %#x: %v", e.Op, uint32(e.Handle), e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func herr(op string, h Handle, err error) error { return &Error{Op: op, Handle: h, Err: err} }
