package actor

import (
	"fmt"
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// CopyError is the error Send returns for a message it cannot copy.
// errors.Is(err, ErrNotCopyable) holds for it.
type CopyError struct {
	// Type is the message's type; Path leads from it to the part that
	// cannot be copied, e.g. ".Jobs[].Done".
	Type reflect.Type
	Path string
	// Kind is what was found there: "func", "chan", "unsafe.Pointer" or
	// "uintptr".
	Kind string
}

// Error says which part of which message type cannot be copied.
func (e *CopyError) Error() string {
	return fmt.Sprintf("actor: message of type %v: %s%s holds a %s, which cannot be copied between actors",
		e.Type, e.Type, e.Path, e.Kind)
}

// Is makes errors.Is(err, ErrNotCopyable) true.
func (e *CopyError) Is(target error) bool { return target == ErrNotCopyable }

// class is what copying a value of a type takes.
type class uint8

const (
	// flat: nothing reachable from the value can be changed through a
	// copy of it (numbers, strings, and arrays and structs of them). Put
	// in an interface, such a value is already a private copy.
	flat class = iota
	// shared: passed as is (Ref, *time.Location, errors).
	shared
	// deep: holds pointers, slices, maps or interfaces to copy.
	deep
	// bad: holds a func, chan, unsafe.Pointer or uintptr.
	bad
)

type classInfo struct {
	class class
	path  string // for bad: where the bad part is
	kind  string
}

var (
	classes    sync.Map // reflect.Type -> classInfo
	errorType  = reflect.TypeFor[error]()
	refType    = reflect.TypeFor[Ref]()
	locType    = reflect.TypeFor[*time.Location]()
	timeType   = reflect.TypeFor[time.Time]()
	requestPtr = reflect.TypeFor[*Request]()
)

// classify returns the class of t, cached.
func classify(t reflect.Type) classInfo {
	if c, ok := classes.Load(t); ok {
		return c.(classInfo)
	}
	c, _ := classifyWalk(t, map[reflect.Type]bool{})
	classes.Store(t, c)
	return c
}

// classifyWalk classifies t; inProgress holds the types being classified
// further up, which a recursive type meets again. Such a type is taken to
// be deep there, and a result that depended on that guess (cyclic) is not
// cached.
func classifyWalk(t reflect.Type, inProgress map[reflect.Type]bool) (c classInfo, cyclic bool) {
	if c, ok := classes.Load(t); ok {
		return c.(classInfo), false
	}
	if inProgress[t] {
		return classInfo{class: deep}, true
	}
	switch t {
	case refType, locType, timeType:
		return classInfo{class: shared}, false
	case requestPtr:
		return classInfo{class: bad, kind: "*actor.Request"}, false
	}
	if t.Implements(errorType) {
		return classInfo{class: shared}, false
	}
	inProgress[t] = true
	defer delete(inProgress, t)
	// child folds the class of a part of t into c.
	child := func(ct reflect.Type, path string) bool {
		cc, cyc := classifyWalk(ct, inProgress)
		cyclic = cyclic || cyc
		switch cc.class {
		case bad:
			c = classInfo{class: bad, path: path + cc.path, kind: cc.kind}
			return false
		case deep:
			c.class = deep
		}
		// A shared part leaves c as it is: it is copied by value
		// with its container and may be shared.
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		c = classInfo{class: flat}
	case reflect.Func:
		c = classInfo{class: bad, kind: "func"}
	case reflect.Chan:
		c = classInfo{class: bad, kind: "chan"}
	case reflect.UnsafePointer:
		c = classInfo{class: bad, kind: "unsafe.Pointer"}
	case reflect.Uintptr:
		c = classInfo{class: bad, kind: "uintptr"}
	case reflect.Interface:
		c = classInfo{class: deep}
	case reflect.Pointer:
		c = classInfo{class: deep}
		child(t.Elem(), "")
		if c.class != bad {
			c = classInfo{class: deep}
		}
	case reflect.Slice:
		c = classInfo{class: deep}
		child(t.Elem(), "[]")
		if c.class != bad {
			c = classInfo{class: deep}
		}
	case reflect.Map:
		c = classInfo{class: deep}
		if child(t.Key(), "[key]") {
			child(t.Elem(), "[]")
		}
		if c.class != bad {
			c = classInfo{class: deep}
		}
	case reflect.Array:
		c = classInfo{class: flat}
		child(t.Elem(), "[]")
	case reflect.Struct:
		c = classInfo{class: flat}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !child(f.Type, "."+f.Name) {
				break
			}
		}
	default:
		c = classInfo{class: bad, kind: t.Kind().String()}
	}
	if !cyclic {
		classes.Store(t, c)
	}
	return c, cyclic
}

// copyMessage returns a copy of msg that shares no memory the sender can
// change with msg, or a *CopyError.
func copyMessage(msg any) (any, error) {
	if msg == nil {
		return nil, nil
	}
	v := reflect.ValueOf(msg)
	c := classify(v.Type())
	switch c.class {
	case flat, shared:
		return msg, nil
	case bad:
		return nil, &CopyError{Type: v.Type(), Path: c.path, Kind: c.kind}
	}
	dst := reflect.New(v.Type()).Elem()
	dst.Set(v)
	var cp copier
	if path, kind, ok := cp.deepen(dst); !ok {
		return nil, &CopyError{Type: v.Type(), Path: path, Kind: kind}
	}
	return dst.Interface(), nil
}

type seenKey struct {
	p uintptr
	t reflect.Type
}

// copier holds the state of one copy: the pointers already copied, so that
// two pointers to one value in a message still point to one value in the
// copy (and cycles end).
type copier struct {
	// Most messages hold a few pointers: they are looked up in a list,
	// moved to a map past seenListMax.
	list []seenEntry
	seen map[seenKey]reflect.Value
}

type seenEntry struct {
	key  seenKey
	copy reflect.Value
}

const seenListMax = 16

// copied returns the copy already made of the pointer key.
func (cp *copier) copied(key seenKey) (reflect.Value, bool) {
	if cp.seen != nil {
		v, ok := cp.seen[key]
		return v, ok
	}
	for _, e := range cp.list {
		if e.key == key {
			return e.copy, true
		}
	}
	return reflect.Value{}, false
}

// remember records n as the copy of the pointer key.
func (cp *copier) remember(key seenKey, n reflect.Value) {
	if cp.seen == nil && len(cp.list) < seenListMax {
		cp.list = append(cp.list, seenEntry{key, n})
		return
	}
	if cp.seen == nil {
		cp.seen = make(map[seenKey]reflect.Value, 2*seenListMax)
		for _, e := range cp.list {
			cp.seen[e.key] = e.copy
		}
		cp.list = nil
	}
	cp.seen[key] = n
}

// deepen replaces everything v refers to by copies. v is settable and
// holds a shallow copy of the sender's value. On failure it returns the
// path to the part that cannot be copied, and its kind.
func (cp *copier) deepen(v reflect.Value) (path, kind string, ok bool) {
	c := classify(v.Type())
	switch c.class {
	case flat, shared:
		return "", "", true
	case bad:
		return c.path, c.kind, false
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "", "", true
		}
		key := seenKey{v.Pointer(), v.Type()}
		if n, ok := cp.copied(key); ok {
			v.Set(n)
			return "", "", true
		}
		n := reflect.New(v.Type().Elem())
		cp.remember(key, n)
		n.Elem().Set(v.Elem())
		if path, kind, ok := cp.deepen(n.Elem()); !ok {
			return path, kind, false
		}
		v.Set(n)
	case reflect.Interface:
		if v.IsNil() {
			return "", "", true
		}
		e := v.Elem()
		switch classify(e.Type()).class {
		case flat, shared:
			return "", "", true
		}
		n := reflect.New(e.Type()).Elem()
		n.Set(e)
		if path, kind, ok := cp.deepen(n); !ok {
			return "(" + e.Type().String() + ")" + path, kind, false
		}
		v.Set(n)
	case reflect.Slice:
		if v.IsNil() {
			return "", "", true
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(n, v)
		if !isPlain(v.Type().Elem()) {
			for i := 0; i < n.Len(); i++ {
				if path, kind, ok := cp.deepen(n.Index(i)); !ok {
					return "[]" + path, kind, false
				}
			}
		}
		v.Set(n)
	case reflect.Map:
		if v.IsNil() {
			return "", "", true
		}
		t := v.Type()
		n := reflect.MakeMapWithSize(t, v.Len())
		plainKey, plainElem := isPlain(t.Key()), isPlain(t.Elem())
		k := reflect.New(t.Key()).Elem()
		e := reflect.New(t.Elem()).Elem()
		for it := v.MapRange(); it.Next(); {
			// SetMapIndex copies k and e into the map, so they are
			// reused; a deepened k or e is replaced, not changed.
			k.SetIterKey(it)
			if !plainKey {
				if path, kind, ok := cp.deepen(k); !ok {
					return "[key]" + path, kind, false
				}
			}
			e.SetIterValue(it)
			if !plainElem {
				if path, kind, ok := cp.deepen(e); !ok {
					return "[]" + path, kind, false
				}
			}
			n.SetMapIndex(k, e)
		}
		v.Set(n)
	case reflect.Array:
		if !isPlain(v.Type().Elem()) {
			for i := 0; i < v.Len(); i++ {
				if path, kind, ok := cp.deepen(v.Index(i)); !ok {
					return "[]" + path, kind, false
				}
			}
		}
	case reflect.Struct:
		t := v.Type()
		for _, i := range deepFields(t) {
			f := v.Field(i)
			if !f.CanSet() {
				// An unexported field: reach it through its address
				// to copy what it refers to as well. v is
				// addressable (it lives in a copy made by reflect.New),
				// so the address is valid for as long as v is.
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			if path, kind, ok := cp.deepen(f); !ok {
				return "." + t.Field(i).Name + path, kind, false
			}
		}
	}
	return "", "", true
}

// isPlain reports whether values of t need no deepening.
func isPlain(t reflect.Type) bool {
	c := classify(t).class
	return c == flat || c == shared
}

var structFields sync.Map // reflect.Type -> []int

// deepFields returns the indexes of the fields of struct type t that need
// deepening, cached.
func deepFields(t reflect.Type) []int {
	if f, ok := structFields.Load(t); ok {
		return f.([]int)
	}
	var idx []int
	for i := 0; i < t.NumField(); i++ {
		if !isPlain(t.Field(i).Type) {
			idx = append(idx, i)
		}
	}
	structFields.Store(t, idx)
	return idx
}
