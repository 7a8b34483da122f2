package kv

import (
	"testing"

	"clk/sdk/module"
)

func TestLinesBecomeRequestsAndRepliesLines(t *testing.T) {
	typ, req, err := ParseLine("put colour deep blue")
	if err != nil || typ != Put || string(req) != "\x06colourdeep blue" {
		t.Fatalf("put: %d %q %v", typ, req, err)
	}
	if _, _, err := ParseLine("get a b"); err == nil {
		t.Fatal("get with two keys accepted")
	}
	if _, _, err := ParseLine("frob a"); err == nil {
		t.Fatal("an unknown verb accepted")
	}
	s := New(2)
	s.Handle(request(Put, req))
	typ, req, _ = ParseLine("get colour")
	if got := FormatReply(typ, s.Handle(request(typ, req))); got != "deep blue" {
		t.Fatalf("get: %q", got)
	}
	typ, req, _ = ParseLine("rev colour")
	if got := FormatReply(typ, s.Handle(request(typ, req))); got != "1" {
		t.Fatalf("rev: %q", got)
	}
	typ, req, _ = ParseLine("get nothing")
	if got := FormatReply(typ, s.Handle(request(typ, req))); got != "not found" {
		t.Fatalf("get of a missing key: %q", got)
	}
}

func request(typ uint32, data []byte) module.Request {
	return module.Request{Type: typ, Data: data, Call: true}
}
