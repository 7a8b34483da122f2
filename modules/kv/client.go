package kv

import (
	"encoding/binary"
	"fmt"

	"clk/abi"
	"clk/sdk"
)

// Client speaks the kv protocol over a module client channel.
type Client struct {
	Ch  sdk.Channel
	buf []byte
}

// NewClient returns a client of the channel ch.
func NewClient(ch sdk.Channel) *Client { return &Client{Ch: ch, buf: make([]byte, abi.MaxData)} }

func keyed(key string, val []byte) []byte {
	return append(append([]byte{byte(len(key))}, key...), val...)
}

func (c *Client) call(typ uint32, req []byte, deadline sdk.Deadline) ([]byte, error) {
	m, err := c.Ch.Call(typ, req, nil, c.buf, nil, deadline)
	if err != nil {
		return nil, err
	}
	if len(m.Data) < 1 {
		return nil, fmt.Errorf("kv: empty reply")
	}
	switch m.Data[0] {
	case OK:
		return m.Data[1:], nil
	case NotFound:
		return nil, fmt.Errorf("kv: no such key")
	}
	return nil, fmt.Errorf("kv: malformed request")
}

// Put sets key to val.
func (c *Client) Put(key string, val []byte, deadline sdk.Deadline) error {
	_, err := c.call(Put, keyed(key, val), deadline)
	return err
}

// Get returns key's value; the slice is reused by the next call.
func (c *Client) Get(key string, deadline sdk.Deadline) ([]byte, error) {
	return c.call(Get, []byte(key), deadline)
}

// Rev returns key's revision.
func (c *Client) Rev(key string, deadline sdk.Deadline) (uint64, error) {
	b, err := c.call(Rev, []byte(key), deadline)
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("kv: revision of %d bytes", len(b))
	}
	return binary.LittleEndian.Uint64(b), nil
}

// AppendAsync appends val to key's value without waiting for a reply:
// requests sent this way are served in the order sent.
func (c *Client) AppendAsync(key string, val []byte, deadline sdk.Deadline) error {
	return c.Ch.Write(Append, keyed(key, val), nil, deadline)
}
