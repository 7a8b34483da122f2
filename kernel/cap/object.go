package cap

// Type names the kind of a kernel object.
type Type uint32

// The kernel object types. TypeAny matches every type in a lookup.
const (
	TypeAny Type = iota
	TypeProcess
	TypeChannel
	TypeRegion
	TypeIOPorts
	TypeIRQ
	TypeTimer
	TypeLog
	typeCount
)

var typeNames = [typeCount]string{
	TypeAny:     "any",
	TypeProcess: "process",
	TypeChannel: "channel",
	TypeRegion:  "region",
	TypeIOPorts: "ioports",
	TypeIRQ:     "irq",
	TypeTimer:   "timer",
	TypeLog:     "log",
}

// String returns the type's name as docs/abi.md spells it.
func (t Type) String() string {
	if t < typeCount {
		return typeNames[t]
	}
	return "unknown"
}

// Valid reports whether t is one of the types above.
func (t Type) Valid() bool { return t < typeCount }

// Object is a kernel object that handles refer to.
type Object interface {
	// Type returns the object's kind; it never changes.
	Type() Type
}

// Releaser is implemented by objects that act when the last live handle
// to them goes away (closed or revoked, including handles still in flight
// in a channel). A channel endpoint tells its peer it closed; a timer stops.
type Releaser interface {
	// Release is called once, without any lock of this package held.
	Release()
}
