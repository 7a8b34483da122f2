package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"clk/abi"
	"clk/sdk"
)

func printf(format string, args ...any) { fmt.Fprintf(sdk.Console, format, args...) }

func main() {
	hs := sdk.StartupHandles()
	if len(os.Args) != 1 || len(hs) == 0 || hs[0] == sdk.InvalidHandle {
		printf("usage: ... | run nl (nl reads its mailbox, which run gives it)\n")
		sdk.Exit(2)
	}
	n := &numberer{mbox: sdk.Channel{Handle: hs[0]}}
	if err := n.run(); err != nil {
		printf("nl: %v\n", err)
		sdk.Exit(1)
	}
	printf("nl: %d lines in %d batches\n", n.lines, n.batches)
	sdk.Exit(0)
}

// numberer reads batches from the mailbox and sends the numbered lines
// back on it.
type numberer struct {
	mbox    sdk.Channel
	lines   int
	batches int
	partial []byte // a line not yet ended: a batch may end inside one
	out     []byte // numbered lines not yet sent
}

// run numbers the input until its end.
func (n *numberer) run() error {
	buf := make([]byte, abi.MaxData)
	for {
		m, err := n.mbox.Read(buf, nil, sdk.Never)
		if errors.Is(err, abi.EPEERCLOSED) {
			return errors.New("the mailbox closed before the end of the input")
		}
		if err != nil {
			return err
		}
		switch m.Type {
		case abi.MsgLines:
			n.batches++
			n.number(m.Data)
			if err := n.flush(); err != nil {
				return err
			}
		case abi.MsgEOF:
			if len(n.partial) > 0 {
				n.number([]byte("\n"))
			}
			return n.flush()
		default:
			return fmt.Errorf("message of type %d on the mailbox", m.Type)
		}
	}
}

// number adds the lines data ends to out, numbered; what follows the last
// newline waits in partial for the next batch.
func (n *numberer) number(data []byte) {
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			n.partial = append(n.partial, data...)
			return
		}
		n.lines++
		n.out = strconv.AppendInt(n.out, int64(n.lines), 10)
		n.out = append(n.out, ' ')
		n.out = append(n.out, n.partial...)
		n.out = append(n.out, data[:i+1]...)
		n.partial = n.partial[:0]
		data = data[i+1:]
	}
}

// flush sends out in messages of at most abi.MaxData bytes; the shell
// joins the pieces of a line that one message splits.
func (n *numberer) flush() error {
	for rest := n.out; len(rest) > 0; {
		k := min(len(rest), abi.MaxData)
		if err := n.mbox.Write(abi.MsgLines, rest[:k], nil, sdk.Never); err != nil {
			return fmt.Errorf("sending the numbered lines: %w", err)
		}
		rest = rest[k:]
	}
	n.out = n.out[:0]
	return nil
}
