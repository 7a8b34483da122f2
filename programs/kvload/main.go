package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"clk/abi"
	"clk/modules/kv"
	"clk/sdk"
)

// perKey is how many sequence numbers one key holds: 32 KiB, well
// inside a message.
const perKey = 4096

// callWait bounds each request: far beyond a replacement under
// emulation, so that reaching it means a lost request, not a slow one.
const callWait = 60 * time.Second

// pollEvery is how many appends go between two looks at the mailbox.
const pollEvery = 64

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

func fail(format string, args ...any) {
	printf("kvload: "+format+"\n", args...)
	sdk.Exit(1)
}

func main() {
	hs := sdk.StartupHandles()
	if len(os.Args) > 3 || len(hs) == 0 || hs[0] == sdk.InvalidHandle {
		printf("usage: spawn run -s kv kvload [PREFIX], or run -s kv kvload -fill BYTES\n")
		sdk.Exit(2)
	}
	ch, err := sdk.Service("kv")
	if err != nil {
		fail("%v", err)
	}
	if len(os.Args) == 3 && os.Args[1] == "-fill" {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 1 {
			fail("-fill %s: want a number of bytes", os.Args[2])
		}
		fill(kv.NewClient(ch), n)
		sdk.Exit(0)
	}
	prefix := "load"
	if len(os.Args) == 2 {
		prefix = os.Args[1]
	}
	l := &loader{mbox: sdk.Channel{Handle: hs[0]}, c: kv.NewClient(ch), prefix: prefix, in: make([]byte, abi.MaxData)}
	if err := l.appendUntilEnd(); err != nil {
		fail("%v", err)
	}
	// A call on the same channel is served after every append before it.
	if _, err := l.c.Get(l.key(1), sdk.After(callWait)); err != nil {
		fail("the call after %d appends: %v", l.sent, err)
	}
	v, err := l.check()
	if err != nil {
		fail("%v", err)
	}
	printf("kvload: %d appended, %d read back: %d lost, %d duplicated, %d reordered\n", l.sent, v.read, v.lost, v.duplicated, v.reordered)
	if v.lost+v.duplicated+v.reordered != 0 {
		sdk.Exit(1)
	}
	sdk.Exit(0)
}

// fill puts n bytes of values into keys fill/0, fill/1, ... of 32 KiB
// each, so that the module has that much state to hand over.
func fill(c *kv.Client, n int) {
	val := bytes.Repeat([]byte{'x'}, perKey*8)
	keys := 0
	for left := n; left > 0; left -= len(val) {
		v := val[:min(left, len(val))]
		if err := c.Put(fmt.Sprintf("fill/%d", keys), v, sdk.After(callWait)); err != nil {
			fail("put fill/%d: %v", keys, err)
		}
		keys++
	}
	printf("kvload: filled %d bytes in %d keys\n", n, keys)
}

// loader appends and keeps count.
type loader struct {
	mbox   sdk.Channel
	c      *kv.Client
	prefix string
	sent   uint64 // the last sequence number sent
	in     []byte
}

func (l *loader) key(seq uint64) string { return fmt.Sprintf("%s/%d", l.prefix, (seq-1)/perKey) }

// appendUntilEnd appends the next sequence number until the mailbox's
// input ends, answering "count" lines between appends.
func (l *loader) appendUntilEnd() error {
	var num [8]byte
	for {
		if l.sent%pollEvery == 0 {
			end, err := l.poll()
			if err != nil || end {
				return err
			}
		}
		seq := l.sent + 1
		binary.LittleEndian.PutUint64(num[:], seq)
		if err := l.c.AppendAsync(l.key(seq), num[:], sdk.After(callWait)); err != nil {
			return fmt.Errorf("append %d: %w", seq, err)
		}
		l.sent = seq
	}
}

// poll reads what waits in the mailbox, without waiting, and reports
// whether the input has ended.
func (l *loader) poll() (end bool, err error) {
	for {
		m, err := l.mbox.Read(l.in, nil, sdk.Now)
		if errors.Is(err, abi.EEMPTY) || errors.Is(err, abi.ETIMEDOUT) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("mailbox: %w", err)
		}
		switch m.Type {
		case abi.MsgEOF:
			return true, nil
		case abi.MsgLines:
			for _, line := range bytes.Split(m.Data, []byte("\n")) {
				if string(bytes.TrimSpace(line)) == "count" {
					printf("appended %d\n", l.sent)
				}
			}
		}
	}
}

// verdict is what the keys held.
type verdict struct {
	read                        uint64 // numbers read back
	lost, duplicated, reordered uint64
}

// check reads every key back: each number from 1 to l.sent must be there
// once, in order.
func (l *loader) check() (verdict, error) {
	var v verdict
	seen := make([]bool, l.sent+1)
	var highest uint64
	for k := uint64(0); k*perKey < l.sent; k++ {
		key := l.key(k*perKey + 1)
		got, err := l.c.Get(key, sdk.After(callWait))
		if err != nil {
			return v, fmt.Errorf("get %s: %w", key, err)
		}
		if len(got)%8 != 0 {
			return v, fmt.Errorf("%s holds %d bytes, not whole numbers", key, len(got))
		}
		for i := 0; i < len(got); i += 8 {
			seq := binary.LittleEndian.Uint64(got[i:])
			v.read++
			switch {
			case seq == 0 || seq > l.sent:
				return v, fmt.Errorf("%s holds %d, never sent", key, seq)
			case seen[seq]:
				v.duplicated++
			case seq < highest:
				v.reordered++
			}
			seen[seq] = true
			highest = max(highest, seq)
		}
	}
	for _, s := range seen[1:] {
		if !s {
			v.lost++
		}
	}
	return v, nil
}
