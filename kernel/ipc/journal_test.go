package ipc

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"clk/abi"
	"clk/kernel/wait"
)

// A server end read under a journal and rewound gives its reader's
// successor every message again, in order, and each call gets one reply.
func TestRewindGivesBackWhatWasReadInOrderAndEachCallOneReply(t *testing.T) {
	client, server, err := NewChannel(testSchema(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	server.StartJournal()
	first := make(chan Message, 1)
	go func() {
		r, err := client.Call(Message{Type: msgReq, Data: []byte("call 1")}, time.Now().Add(time.Minute))
		if err != nil {
			t.Error(err)
		}
		first <- r
	}()
	// The first reader takes the call and answers it, takes a one-way
	// message, and ends there.
	m, err := server.Read(wait.Forever, true, nil)
	if err != nil || string(m.Data) != "call 1" {
		t.Fatalf("read: %q, %v", m.Data, err)
	}
	call1 := m.Txid
	if err := server.Write(Message{Type: msgReq, Txid: call1, Data: []byte("first reply")}, wait.Forever, true); err != nil {
		t.Fatal(err)
	}
	if r := <-first; string(r.Data) != "first reply" {
		t.Fatalf("reply to call 1: %q", r.Data)
	}
	for _, d := range []string{"one-way 2", "one-way 3"} {
		if err := client.Write(Message{Type: msgData, Data: []byte(d)}, wait.Forever, true); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := readNow(server); err != nil || string(m.Data) != "one-way 2" {
		t.Fatalf("read: %q, %v", m.Data, err)
	}

	server.Rewind()
	// The successor reads all three, in order, and answers the call
	// again: that reply is dropped, its caller had one.
	for _, want := range []string{"call 1", "one-way 2", "one-way 3"} {
		m, err := readNow(server)
		if err != nil || string(m.Data) != want {
			t.Fatalf("read after rewind: %q, %v, want %q", m.Data, err, want)
		}
		if m.Txid != 0 {
			if err := server.Write(Message{Type: msgReq, Txid: m.Txid, Data: []byte("second reply")}, wait.Forever, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if m, err := readNow(client); !errors.Is(err, ErrEmpty) {
		t.Fatalf("the client's queue after the second reply: %q, %v, want nothing", m.Data, err)
	}
	// A new call gets its own reply, the drop spent.
	go func() {
		m, err := server.Read(wait.Forever, true, nil)
		if err == nil {
			err = server.Write(Message{Type: msgReq, Txid: m.Txid, Data: []byte("reply 4")}, wait.Forever, true)
		}
		if err != nil {
			t.Error(err)
		}
	}()
	r, err := client.Call(Message{Type: msgReq, Data: []byte("call 4")}, time.Now().Add(time.Minute))
	if err != nil || string(r.Data) != "reply 4" {
		t.Fatalf("call 4: %q, %v", r.Data, err)
	}
}

// After EndJournal the reads stand: nothing comes back.
func TestEndJournalKeepsTheReads(t *testing.T) {
	client, server, err := NewChannel(testSchema(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	server.StartJournal()
	if err := client.Write(Message{Type: msgData, Data: []byte("x")}, wait.Forever, true); err != nil {
		t.Fatal(err)
	}
	if _, err := readNow(server); err != nil {
		t.Fatal(err)
	}
	server.EndJournal()
	server.Rewind()
	if m, err := readNow(server); !errors.Is(err, ErrEmpty) {
		t.Fatalf("read after the journal ended: %q, %v", m.Data, err)
	}
}

// A full journal holds the queue back, even from a closed peer's end,
// rather than let a reader take what could not be given back.
func TestFullJournalHoldsTheQueueBack(t *testing.T) {
	client, server, err := NewChannel(testSchema(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	server.StartJournal()
	for i := range JournalMaxMessages {
		if err := client.Write(Message{Type: msgData, Data: fmt.Appendf(nil, "%d", i)}, wait.Forever, true); err != nil {
			t.Fatal(err)
		}
		if _, err := readNow(server); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if err := client.Write(Message{Type: msgData, Data: []byte("held")}, wait.Forever, true); err != nil {
		t.Fatal(err)
	}
	client.Release()
	if s := server.Signals(); s&(abi.Readable|abi.PeerClosed) != 0 {
		t.Fatalf("signals with a full journal: %v, want neither readable nor peer closed", s)
	}
	if m, err := readNow(server); !errors.Is(err, ErrEmpty) {
		t.Fatalf("read with a full journal: %q, %v, want %v", m.Data, err, ErrEmpty)
	}
	server.EndJournal()
	if m, err := readNow(server); err != nil || string(m.Data) != "held" {
		t.Fatalf("read after the journal: %q, %v", m.Data, err)
	}
	if _, err := readNow(server); !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("read of an empty queue whose peer is gone: %v", err)
	}
}
