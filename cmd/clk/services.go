//go:build clk

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"clk/actor/shell"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/module"
	"clk/modules/kv"
)

// Clients of module services at the prompt (spawn NAME): a line is a
// request and its reply a line, through the service's codec: kv's
// (modules/kv), or for another service "TYPE TEXT", the text sent as the
// message's bytes and the reply's bytes quoted.

// codec turns lines into a service's requests and its replies into lines.
type codec struct {
	parse  func(line string) (uint32, []byte, error)
	format func(typ uint32, reply []byte) string
}

var codecs = map[string]codec{
	"kv": {kv.ParseLine, kv.FormatReply},
}

var rawCodec = codec{
	parse: func(line string) (uint32, []byte, error) {
		typ, text, _ := strings.Cut(strings.TrimSpace(line), " ")
		n, err := strconv.ParseUint(typ, 10, 32)
		if err != nil || n < 1 {
			return 0, nil, fmt.Errorf("want TYPE TEXT, TYPE a message type from 1")
		}
		return uint32(n), []byte(text), nil
	},
	format: func(_ uint32, reply []byte) string { return strconv.Quote(string(reply)) },
}

// serviceClient is the kernel's client channel to a service.
type serviceClient struct {
	c     *cap.Cap
	ep    *ipc.Endpoint
	codec codec
}

// ConnectService connects to a service a module provides.
func (s *system) ConnectService(name string) (shell.ServiceClient, error) {
	if s.modules == nil {
		return nil, fmt.Errorf("%s: %w", name, shell.ErrUnknownCommand)
	}
	c, err := s.modules.mgr.Connect(name)
	if errors.Is(err, module.ErrNoService) {
		return nil, fmt.Errorf("%s: %w", name, shell.ErrUnknownCommand)
	}
	if err != nil {
		return nil, err
	}
	cd, ok := codecs[name]
	if !ok {
		cd = rawCodec
	}
	return &serviceClient{c: c, ep: c.Object().(*ipc.Endpoint), codec: cd}, nil
}

func (sc *serviceClient) Do(line string, timeout time.Duration) (string, error) {
	typ, req, err := sc.codec.parse(line)
	if err != nil {
		return "", err
	}
	m, err := sc.ep.Call(ipc.Message{Type: typ, Data: req}, time.Now().Add(timeout))
	if errors.Is(err, ipc.ErrPeerClosed) {
		return "", fmt.Errorf("%w: %v", shell.ErrServiceGone, err)
	}
	if err != nil {
		return "", err
	}
	for _, c := range m.Caps {
		c.Close()
	}
	return sc.codec.format(typ, m.Data), nil
}

func (sc *serviceClient) Close() error {
	sc.c.Close()
	return nil
}
