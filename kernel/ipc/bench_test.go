package ipc

import (
	"testing"

	"clk/kernel/wait"
)

// BenchmarkChannelRoundTrip measures one in-kernel request and reply
// between two goroutines: Call on one endpoint, Read and Write on the
// other.
func BenchmarkChannelRoundTrip(b *testing.B) {
	_, _, _, _, client, server := pair(b, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := server.Read(wait.Forever, true, nil)
			if err != nil {
				return
			}
			if err := server.Write(Message{Type: msgData, Txid: m.Txid, Data: m.Data}, wait.Forever, true); err != nil {
				return
			}
		}
	}()
	req := Message{Type: msgReq, Data: make([]byte, 32)}
	b.ResetTimer()
	for b.Loop() {
		if _, err := client.Call(req, wait.Forever); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	client.Release()
	<-done
}

// BenchmarkChannelWriteRead measures a write and a read of a 32-byte
// message by one goroutine: the queue path without a context switch.
func BenchmarkChannelWriteRead(b *testing.B) {
	_, _, _, _, ea, eb := pair(b, 8)
	m := Message{Type: msgData, Data: make([]byte, 32)}
	for b.Loop() {
		if err := ea.Write(m, wait.Forever, true); err != nil {
			b.Fatal(err)
		}
		if _, err := eb.Read(wait.Forever, true, nil); err != nil {
			b.Fatal(err)
		}
	}
}
