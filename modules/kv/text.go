package kv

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// The kv protocol as lines of text, for clients at a prompt:
//
//	put KEY VALUE...   ok
//	get KEY            the value, or "not found"
//	delete KEY         ok, or "not found"
//	append KEY TEXT... ok
//	rev KEY            the key's revision

// ParseLine turns a line into a request: its type and its bytes.
func ParseLine(line string) (typ uint32, req []byte, err error) {
	words := strings.Fields(line)
	if len(words) < 2 {
		return 0, nil, fmt.Errorf("want put KEY VALUE, get KEY, delete KEY, append KEY TEXT or rev KEY")
	}
	key := words[1]
	if len(key) > 255 {
		return 0, nil, fmt.Errorf("key of %d bytes: at most 255", len(key))
	}
	val := strings.Join(words[2:], " ")
	switch words[0] {
	case "put":
		return Put, keyed(key, []byte(val)), nil
	case "append":
		return Append, keyed(key, []byte(val)), nil
	case "get", "delete", "rev":
		if len(words) != 2 {
			return 0, nil, fmt.Errorf("%s wants one key", words[0])
		}
		return map[string]uint32{"get": Get, "delete": Delete, "rev": Rev}[words[0]], []byte(key), nil
	}
	return 0, nil, fmt.Errorf("%q: want put, get, delete, append or rev", words[0])
}

// FormatReply turns the reply to a request of type typ into a line.
func FormatReply(typ uint32, reply []byte) string {
	if len(reply) < 1 {
		return "empty reply"
	}
	switch reply[0] {
	case NotFound:
		return "not found"
	case Malformed:
		return "malformed request"
	case OK:
	default:
		return fmt.Sprintf("status %d", reply[0])
	}
	switch typ {
	case Get:
		return string(reply[1:])
	case Rev:
		if len(reply) == 9 {
			return fmt.Sprint(binary.LittleEndian.Uint64(reply[1:]))
		}
	}
	return "ok"
}
