package netstack

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sampleOffer is an OFFER as slirp sends it, options in the options field.
func sampleOffer() *dhcpMessage {
	return &dhcpMessage{
		op:          bootReply,
		xid:         0x12345678,
		flags:       flagBroadcast,
		ciaddr:      netip.IPv4Unspecified(),
		yiaddr:      netip.MustParseAddr("10.0.2.15"),
		siaddr:      netip.MustParseAddr("10.0.2.2"),
		giaddr:      netip.IPv4Unspecified(),
		chaddr:      [6]byte{2, 0, 0, 0, 0, 1},
		msgType:     dhcpOffer,
		serverID:    netip.MustParseAddr("10.0.2.2"),
		subnetMask:  netip.MustParseAddr("255.255.255.0"),
		routers:     []netip.Addr{netip.MustParseAddr("10.0.2.2")},
		dns:         []netip.Addr{netip.MustParseAddr("10.0.2.3")},
		leaseTime:   seconds{value: 86400, set: true},
		renewalT1:   seconds{value: 43200, set: true},
		rebindingT2: seconds{value: 75600, set: true},
	}
}

func TestDHCPMessageSurvivesEncodeAndParse(t *testing.T) {
	for _, m := range []*dhcpMessage{
		sampleOffer(),
		{
			op: bootRequest, xid: 1, secs: 3, chaddr: [6]byte{2, 0, 0, 0, 0, 2},
			ciaddr: netip.IPv4Unspecified(), yiaddr: netip.IPv4Unspecified(),
			siaddr: netip.IPv4Unspecified(), giaddr: netip.IPv4Unspecified(),
			msgType: dhcpRequest, requestedIP: netip.MustParseAddr("10.0.2.15"),
			serverID: netip.MustParseAddr("10.0.2.2"), hostname: strings.Repeat("h", 255),
			params: []byte{1, 3, 6}, clientID: []byte{1, 2, 0, 0, 0, 0, 2}, maxMessage: 1500,
		},
	} {
		b := m.marshal()
		if len(b) < dhcpMinLen {
			t.Errorf("message type %d encodes to %d octets, fewer than %d", m.msgType, len(b), dhcpMinLen)
		}
		got, err := parseDHCP(b)
		if err != nil {
			t.Fatalf("parse of an encoded type %d: %v", m.msgType, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of type %d:\n got %+v\nwant %+v", m.msgType, got, m)
		}
	}
}

func TestDHCPOptionsInOverloadedFieldsAreRead(t *testing.T) {
	b := sampleOffer().marshal()
	b = b[:dhcpOffOpts]
	b = append(b, optMessageType, 1, dhcpOffer, optOverload, 1, 3, optEnd)
	// RFC 2132 section 9.3: the file field first, then sname.
	file := []byte{optServerID, 4, 10, 0, 2, 2, optEnd}
	sname := []byte{optDNS, 4, 10, 0, 2, 3, optEnd}
	copy(b[dhcpOffFile:], file)
	copy(b[dhcpOffSname:], sname)
	m, err := parseDHCP(b)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if m.serverID != netip.MustParseAddr("10.0.2.2") || !slices.Equal(m.dns, []netip.Addr{netip.MustParseAddr("10.0.2.3")}) {
		t.Errorf("server id %s DNS %v: options from file and sname not read", m.serverID, m.dns)
	}
}

func TestDHCPRepeatedOptionsConcatenate(t *testing.T) {
	b := sampleOffer().marshal()[:dhcpOffOpts]
	// RFC 3396 section 7: two instances of option 6 make one list.
	b = append(b, optMessageType, 1, dhcpAck, optDNS, 4, 1, 1, 1, 1, optDNS, 4, 8, 8, 8, 8, optEnd)
	m, err := parseDHCP(b)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	want := []netip.Addr{netip.MustParseAddr("1.1.1.1"), netip.MustParseAddr("8.8.8.8")}
	if !slices.Equal(m.dns, want) {
		t.Errorf("DNS %v, want %v", m.dns, want)
	}
	// A split list longer than one option encodes back as two options.
	m.dns = nil
	for i := range 100 {
		m.dns = append(m.dns, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
	}
	again, err := parseDHCP(m.marshal())
	if err != nil || !slices.Equal(again.dns, m.dns) {
		t.Errorf("a 400-octet DNS list did not survive encoding: %v, %d addresses", err, len(again.dns))
	}
}

func TestDHCPMalformedMessagesAreRejected(t *testing.T) {
	good := sampleOffer().marshal()
	end := bytes.IndexByte(good[dhcpOffOpts:], optEnd) + dhcpOffOpts
	withOptions := func(opts ...byte) []byte {
		b := slices.Clone(good[:dhcpOffOpts])
		return append(append(b, optMessageType, 1, dhcpAck), append(opts, optEnd)...)
	}
	cases := map[string][]byte{
		"empty":                        nil,
		"fixed fields cut":             good[:dhcpOffOpts-1],
		"cookie":                       append(slices.Clone(good[:dhcpOffCookie]), 1, 2, 3, 4, optEnd),
		"op 3":                         append([]byte{3}, good[1:]...),
		"token ring":                   append([]byte{bootReply, 6}, good[2:]...),
		"hardware length 16":           append([]byte{bootReply, 1, 16}, good[3:]...),
		"option length past the end":   append(slices.Clone(good[:end]), optDNS, 8, 1, 2, 3),
		"option without length":        append(slices.Clone(good[:end]), optDNS),
		"no message type":              append(slices.Clone(good[:dhcpOffOpts]), optEnd),
		"message type 0":               withOptions(optMessageType, 1, 0),
		"message type of two octets":   append(slices.Clone(good[:dhcpOffOpts]), optMessageType, 2, 1, 2, optEnd),
		"mask of 3 octets":             withOptions(optSubnetMask, 3, 255, 255, 255),
		"mask 255.0.255.0":             withOptions(optSubnetMask, 4, 255, 0, 255, 0),
		"router list of 6 octets":      withOptions(optRouter, 6, 1, 2, 3, 4, 5, 6),
		"empty DNS list":               withOptions(optDNS, 0),
		"lease of 2 octets":            withOptions(optLeaseTime, 2, 1, 2),
		"server id of 5 octets":        withOptions(optServerID, 5, 1, 2, 3, 4, 5),
		"empty host name":              withOptions(optHostname, 0),
		"client id of 1 octet":         withOptions(optClientID, 1, 1),
		"max message 575":              withOptions(optMaxMessage, 2, 2, 63),
		"overload 4":                   withOptions(optOverload, 1, 4),
		"overloaded file runs off end": overloadedFile([]byte{optRouter, 200}),
	}
	for name, b := range cases {
		if _, err := parseDHCP(b); !errors.Is(err, errMalformed) {
			t.Errorf("%s: err = %v, want errMalformed", name, err)
		}
	}
}

func overloadedFile(file []byte) []byte {
	b := slices.Clone(sampleOffer().marshal()[:dhcpOffOpts])
	copy(b[dhcpOffFile:], file)
	return append(b, optMessageType, 1, dhcpAck, optOverload, 1, 1, optEnd)
}

// FuzzDHCPMessage feeds the parser arbitrary datagrams, as a hostile or
// broken server would. It must never panic, and whatever it accepts must
// encode to a message that parses back to the same thing.
func FuzzDHCPMessage(f *testing.F) {
	f.Add(sampleOffer().marshal())
	req := sampleOffer()
	req.op, req.msgType, req.hostname, req.params, req.clientID, req.maxMessage = bootRequest, dhcpRequest, "clk", []byte{1, 3, 6}, []byte{1, 2, 0, 0, 0, 0, 1}, 1500
	f.Add(req.marshal())
	f.Add(overloadedFile([]byte{optServerID, 4, 10, 0, 2, 2, optDNS, 4, 10, 0, 2, 3, optEnd}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseDHCP(b)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("error without errMalformed: %v", err)
			}
			return
		}
		out := m.marshal()
		if len(out) < dhcpMinLen {
			t.Fatalf("encoded to %d octets", len(out))
		}
		again, err := parseDHCP(out)
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v\n%+v", err, m)
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip changed the message:\n got %+v\nwant %+v", again, m)
		}
	})
}
