package actor

import (
	"testing"
)

// BenchmarkRoundTrip measures one Call and its Reply between a caller and
// an echo actor.
func BenchmarkRoundTrip(b *testing.B) {
	echo, err := Spawn("echo", func(c *Context) error {
		for {
			m, err := c.Recv()
			if err != nil {
				return err
			}
			req := m.(*Request)
			c.Reply(req, req.Msg)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer Stop(echo)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Call(echo, i, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpawn measures spawning an actor and waiting for it to exit.
func BenchmarkSpawn(b *testing.B) {
	for i := 0; i < b.N; i++ {
		r, err := Spawn("nop", func(c *Context) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		Wait(r)
	}
}

// BenchmarkSendRecv measures the throughput of one sender streaming int
// messages to one receiver through a mailbox of DefaultMailbox.
func BenchmarkSendRecv(b *testing.B) {
	n := b.N
	r, err := Spawn("sink", func(c *Context) error {
		for range n {
			if _, err := c.Recv(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < n; i++ {
		if err := Send(r, i); err != nil {
			b.Fatal(err)
		}
	}
	if err := Wait(r); err != nil {
		b.Fatal(err)
	}
}

type benchMsg struct {
	Path string
	Args []string
	Env  map[string]string
}

// BenchmarkSendRecvStruct is BenchmarkSendRecv with a message that Send
// deep-copies (a slice and a map).
func BenchmarkSendRecvStruct(b *testing.B) {
	n := b.N
	r, err := Spawn("sink", func(c *Context) error {
		for range n {
			if _, err := c.Recv(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	msg := &benchMsg{Path: "/bin/ls", Args: []string{"-l", "/"}, Env: map[string]string{"TERM": "vt100"}}
	b.ResetTimer()
	for i := 0; i < n; i++ {
		if err := Send(r, msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := Wait(r); err != nil {
		b.Fatal(err)
	}
}
