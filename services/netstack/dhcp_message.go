package netstack

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
)

// The DHCP message, RFC 2131 section 2 (figure 1, table 1). Offsets are
// into the UDP payload.
const (
	dhcpOffOp     = 0
	dhcpOffHtype  = 1
	dhcpOffHlen   = 2
	dhcpOffXid    = 4
	dhcpOffSecs   = 8
	dhcpOffFlags  = 10
	dhcpOffCiaddr = 12
	dhcpOffYiaddr = 16
	dhcpOffSiaddr = 20
	dhcpOffGiaddr = 24
	dhcpOffChaddr = 28  // 16 octets
	dhcpOffSname  = 44  // 64 octets
	dhcpOffFile   = 108 // 128 octets
	dhcpOffCookie = 236
	dhcpOffOpts   = 240

	// dhcpMinLen is the length of the fixed fields and the 312-octet
	// options field (cookie included) that every DHCP participant must
	// accept (RFC 2131 section 2): 548 octets, a 576-octet IP datagram.
	// Requests are padded to it because libslirp, QEMU's user network,
	// drops shorter ones: bootp_input wants its whole struct bootp_t,
	// whose options field is 312 octets, in the datagram.
	dhcpMinLen = 548

	// BOOTP op codes.
	bootRequest = 1
	bootReply   = 2

	// Hardware type and length of Ethernet (RFC 1700, "Hardware Type").
	htypeEthernet = 1
	hlenEthernet  = 6

	// flagBroadcast asks servers to broadcast their replies, since a client
	// without an address cannot take unicast ones (RFC 2131 section 4.1).
	flagBroadcast = 0x8000

	// Well-known ports, RFC 2131 section 4.1.
	dhcpServerPort = 67
	dhcpClientPort = 68
)

// dhcpCookie opens the options field (RFC 2131 section 3, RFC 2132
// section 2).
var dhcpCookie = [4]byte{99, 130, 83, 99}

// Option codes, RFC 2132 (section in the comment).
const (
	optPad           = 0   // 3.1
	optSubnetMask    = 1   // 3.3
	optRouter        = 3   // 3.5
	optDNS           = 6   // 3.8
	optHostname      = 12  // 3.14
	optRequestedIP   = 50  // 9.1
	optLeaseTime     = 51  // 9.2
	optOverload      = 52  // 9.3
	optMessageType   = 53  // 9.6
	optServerID      = 54  // 9.7
	optParamRequest  = 55  // 9.8
	optMaxMessage    = 57  // 9.10
	optRenewalTime   = 58  // 9.11
	optRebindingTime = 59  // 9.12
	optClientID      = 61  // 9.14
	optEnd           = 255 // 3.2
)

// DHCP message types, the values of option 53 (RFC 2132 section 9.6).
const (
	dhcpDiscover = 1
	dhcpOffer    = 2
	dhcpRequest  = 3
	dhcpDecline  = 4
	dhcpAck      = 5
	dhcpNak      = 6
	dhcpRelease  = 7
	dhcpInform   = 8
)

// infiniteLease is the lease time that never ends (RFC 2131 section 3.3).
const infiniteLease = 0xffffffff

// dhcpMessage is a DHCP message over Ethernet with the options this client
// sends or reads. Addresses from the fixed fields are always IPv4 (0.0.0.0
// when zero); options that are absent are the zero value, which no valid
// option decodes to.
type dhcpMessage struct {
	op                             byte
	xid                            uint32
	secs                           uint16
	flags                          uint16
	ciaddr, yiaddr, siaddr, giaddr netip.Addr
	chaddr                         [6]byte

	msgType     byte
	serverID    netip.Addr
	requestedIP netip.Addr
	subnetMask  netip.Addr // a contiguous mask
	routers     []netip.Addr
	dns         []netip.Addr
	leaseTime   seconds
	renewalT1   seconds
	rebindingT2 seconds
	hostname    string
	params      []byte
	clientID    []byte
	maxMessage  uint16
}

// seconds is a 32-bit time option; set tells it apart from a zero value.
type seconds struct {
	value uint32
	set   bool
}

// parseDHCP decodes and validates one DHCP message, a UDP payload from the
// network. Any fault is an error wrapping errMalformed: a message too short
// for the fixed fields, a wrong cookie, hardware other than Ethernet, an
// option running past the end, or a known option of the wrong length or
// value. Unknown options are skipped.
func parseDHCP(b []byte) (*dhcpMessage, error) {
	if len(b) < dhcpOffOpts {
		return nil, fmt.Errorf("%w: %d octets, fewer than the %d of the fixed fields", errMalformed, len(b), dhcpOffOpts)
	}
	if [4]byte(b[dhcpOffCookie:dhcpOffOpts]) != dhcpCookie {
		return nil, fmt.Errorf("%w: magic cookie % x", errMalformed, b[dhcpOffCookie:dhcpOffOpts])
	}
	m := &dhcpMessage{
		op:     b[dhcpOffOp],
		xid:    binary.BigEndian.Uint32(b[dhcpOffXid:]),
		secs:   binary.BigEndian.Uint16(b[dhcpOffSecs:]),
		flags:  binary.BigEndian.Uint16(b[dhcpOffFlags:]),
		ciaddr: netip.AddrFrom4([4]byte(b[dhcpOffCiaddr:])),
		yiaddr: netip.AddrFrom4([4]byte(b[dhcpOffYiaddr:])),
		siaddr: netip.AddrFrom4([4]byte(b[dhcpOffSiaddr:])),
		giaddr: netip.AddrFrom4([4]byte(b[dhcpOffGiaddr:])),
		chaddr: [6]byte(b[dhcpOffChaddr:]),
	}
	if m.op != bootRequest && m.op != bootReply {
		return nil, fmt.Errorf("%w: op %d", errMalformed, m.op)
	}
	if b[dhcpOffHtype] != htypeEthernet || b[dhcpOffHlen] != hlenEthernet {
		return nil, fmt.Errorf("%w: hardware type %d length %d, not Ethernet", errMalformed, b[dhcpOffHtype], b[dhcpOffHlen])
	}

	var opts rawOptions
	if err := opts.scan(b[dhcpOffOpts:], "options"); err != nil {
		return nil, err
	}
	// Option overload (RFC 2132 section 9.3) continues the options in the
	// file field, then the sname field.
	if v := opts[optOverload]; v != nil {
		if len(v) != 1 || v[0] < 1 || v[0] > 3 {
			return nil, fmt.Errorf("%w: option overload % x", errMalformed, v)
		}
		if v[0]&1 != 0 {
			if err := opts.scan(b[dhcpOffFile:dhcpOffCookie], "file"); err != nil {
				return nil, err
			}
		}
		if v[0]&2 != 0 {
			if err := opts.scan(b[dhcpOffSname:dhcpOffFile], "sname"); err != nil {
				return nil, err
			}
		}
	}
	if err := m.decodeOptions(&opts); err != nil {
		return nil, err
	}
	return m, nil
}

// rawOptions holds each option's value, nil when absent. A code that
// appears more than once has its values concatenated in order (RFC 3396
// section 7, which splits long options that way).
type rawOptions [256][]byte

// scan reads the options in b up to the End option or the end of b.
func (o *rawOptions) scan(b []byte, field string) error {
	for i := 0; i < len(b); {
		code := b[i]
		switch code {
		case optPad:
			i++
			continue
		case optEnd:
			return nil
		}
		if i+1 >= len(b) {
			return fmt.Errorf("%w: %s: option %d at offset %d has no length", errMalformed, field, code, i)
		}
		n := int(b[i+1])
		if i+2+n > len(b) {
			return fmt.Errorf("%w: %s: option %d of %d octets at offset %d runs past the end (%d)", errMalformed, field, code, n, i, len(b))
		}
		if o[code] == nil {
			o[code] = make([]byte, 0, n)
		}
		o[code] = append(o[code], b[i+2:i+2+n]...)
		i += 2 + n
	}
	return nil
}

func (m *dhcpMessage) decodeOptions(o *rawOptions) error {
	var err error
	field := func(code byte, decode func([]byte) error) {
		if v := o[code]; v != nil && err == nil {
			if e := decode(v); e != nil {
				err = fmt.Errorf("%w: option %d (% x): %v", errMalformed, code, v, e)
			}
		}
	}
	field(optMessageType, func(v []byte) error {
		if len(v) != 1 || v[0] < dhcpDiscover || v[0] > dhcpInform {
			return fmt.Errorf("not a message type")
		}
		m.msgType = v[0]
		return nil
	})
	field(optServerID, oneAddr(&m.serverID))
	field(optRequestedIP, oneAddr(&m.requestedIP))
	field(optSubnetMask, func(v []byte) error {
		if err := oneAddr(&m.subnetMask)(v); err != nil {
			return err
		}
		if _, ok := maskBits(m.subnetMask); !ok {
			return fmt.Errorf("mask not contiguous")
		}
		return nil
	})
	field(optRouter, addrList(&m.routers))
	field(optDNS, addrList(&m.dns))
	field(optLeaseTime, secondsOption(&m.leaseTime))
	field(optRenewalTime, secondsOption(&m.renewalT1))
	field(optRebindingTime, secondsOption(&m.rebindingT2))
	field(optHostname, func(v []byte) error {
		if len(v) == 0 {
			return fmt.Errorf("empty")
		}
		m.hostname = string(v)
		return nil
	})
	field(optParamRequest, func(v []byte) error {
		if len(v) == 0 {
			return fmt.Errorf("empty")
		}
		m.params = v
		return nil
	})
	field(optClientID, func(v []byte) error {
		if len(v) < 2 {
			return fmt.Errorf("shorter than 2 octets")
		}
		m.clientID = v
		return nil
	})
	field(optMaxMessage, func(v []byte) error {
		if len(v) != 2 || binary.BigEndian.Uint16(v) < 576 {
			return fmt.Errorf("not a size of at least 576")
		}
		m.maxMessage = binary.BigEndian.Uint16(v)
		return nil
	})
	if err != nil {
		return err
	}
	if m.msgType == 0 {
		return fmt.Errorf("%w: no message type (a BOOTP message)", errMalformed)
	}
	return nil
}

func oneAddr(dst *netip.Addr) func([]byte) error {
	return func(v []byte) error {
		if len(v) != 4 {
			return fmt.Errorf("%d octets for one address", len(v))
		}
		*dst = netip.AddrFrom4([4]byte(v))
		return nil
	}
}

// addrList decodes a list of one or more addresses (RFC 2132 sections 3.5
// and 3.8: "the length MUST always be a multiple of 4").
func addrList(dst *[]netip.Addr) func([]byte) error {
	return func(v []byte) error {
		if len(v) == 0 || len(v)%4 != 0 {
			return fmt.Errorf("%d octets, not a list of addresses", len(v))
		}
		for i := 0; i < len(v); i += 4 {
			*dst = append(*dst, netip.AddrFrom4([4]byte(v[i:])))
		}
		return nil
	}
}

func secondsOption(dst *seconds) func([]byte) error {
	return func(v []byte) error {
		if len(v) != 4 {
			return fmt.Errorf("%d octets for a 32-bit time", len(v))
		}
		*dst = seconds{value: binary.BigEndian.Uint32(v), set: true}
		return nil
	}
}

// maskBits is the prefix length of a contiguous IPv4 mask.
func maskBits(mask netip.Addr) (int, bool) {
	m := binary.BigEndian.Uint32(mask.AsSlice())
	ones := bits.LeadingZeros32(^m)
	return ones, bits.TrailingZeros32(m) == 32-ones
}

// marshal encodes m, padded to dhcpMinLen. Options go in the options field
// only (no overload); a value over 255 octets is split into consecutive
// options of the same code (RFC 3396 section 7).
func (m *dhcpMessage) marshal() []byte {
	b := make([]byte, dhcpOffOpts, dhcpMinLen)
	b[dhcpOffOp] = m.op
	b[dhcpOffHtype] = htypeEthernet
	b[dhcpOffHlen] = hlenEthernet
	binary.BigEndian.PutUint32(b[dhcpOffXid:], m.xid)
	binary.BigEndian.PutUint16(b[dhcpOffSecs:], m.secs)
	binary.BigEndian.PutUint16(b[dhcpOffFlags:], m.flags)
	putAddr(b[dhcpOffCiaddr:], m.ciaddr)
	putAddr(b[dhcpOffYiaddr:], m.yiaddr)
	putAddr(b[dhcpOffSiaddr:], m.siaddr)
	putAddr(b[dhcpOffGiaddr:], m.giaddr)
	copy(b[dhcpOffChaddr:], m.chaddr[:])
	copy(b[dhcpOffCookie:], dhcpCookie[:])

	b = appendOption(b, optMessageType, []byte{m.msgType})
	b = appendOption(b, optClientID, m.clientID)
	b = appendAddrs(b, optRequestedIP, m.requestedIP)
	b = appendAddrs(b, optServerID, m.serverID)
	b = appendAddrs(b, optSubnetMask, m.subnetMask)
	b = appendAddrs(b, optRouter, m.routers...)
	b = appendAddrs(b, optDNS, m.dns...)
	b = appendSeconds(b, optLeaseTime, m.leaseTime)
	b = appendSeconds(b, optRenewalTime, m.renewalT1)
	b = appendSeconds(b, optRebindingTime, m.rebindingT2)
	b = appendOption(b, optHostname, []byte(m.hostname))
	b = appendOption(b, optParamRequest, m.params)
	if m.maxMessage != 0 {
		b = appendOption(b, optMaxMessage, binary.BigEndian.AppendUint16(nil, m.maxMessage))
	}
	b = append(b, optEnd)
	for len(b) < dhcpMinLen {
		b = append(b, optPad)
	}
	return b
}

func putAddr(dst []byte, a netip.Addr) {
	if a.Is4() {
		copy(dst, a.AsSlice())
	}
}

// appendOption appends code with value v; an empty v appends nothing.
func appendOption(b []byte, code byte, v []byte) []byte {
	for len(v) > 0 {
		n := min(len(v), 255)
		b = append(b, code, byte(n))
		b = append(b, v[:n]...)
		v = v[n:]
	}
	return b
}

func appendAddrs(b []byte, code byte, as ...netip.Addr) []byte {
	var v []byte
	for _, a := range as {
		if a.Is4() {
			v = append(v, a.AsSlice()...)
		}
	}
	return appendOption(b, code, v)
}

func appendSeconds(b []byte, code byte, s seconds) []byte {
	if !s.set {
		return b
	}
	return appendOption(b, code, binary.BigEndian.AppendUint32(nil, s.value))
}
