package cap

import (
	"clk/abi"
)

// Object is a kernel object that handles refer to.
type Object interface {
	// Type returns the object's kind; it never changes.
	Type() abi.ObjectType
}

// Releaser is implemented by objects that act when the last live handle
// to them goes away (closed or revoked, including handles still in flight
// in a channel). A channel endpoint tells its peer it closed; a timer stops.
type Releaser interface {
	// Release is called once, without any lock of this package held.
	Release()
}
