//go:build clk

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"clk/abi"
	"clk/kernel/cap"
	"clk/kernel/ipc"
	"clk/kernel/limit"
	"clk/kernel/proc"
)

// Module files named by an http:// URL. The kernel has no socket of its
// own and parses no HTTP: it starts the ring-3 fetcher programs/modfetch
// with a channel to itself and a channel to the network service, and
// reads the body from the first (the fetch protocol of abi/proto.go). It
// counts the bytes itself, refusing more than the limit, and keeps a
// deadline of its own a little after the fetcher's, at which it kills
// the fetcher. The bytes then go through the same checks as a file's.

const (
	// fetcherProgram is the fetcher's name in the initrd's /bin.
	fetcherProgram = "modfetch"
	// defaultFetchTimeout bounds a fetch unless modules.conf's
	// fetch-timeout or clk.fetch-timeout on the command line says
	// otherwise: a module of some MiB over an emulated network.
	defaultFetchTimeout = 2 * time.Minute
	// fetchGrace is how long after the fetcher's own timeout the kernel
	// waits before it gives up on the fetcher and kills it.
	fetchGrace = 5 * time.Second
	// fetchRights are the fetcher's rights on its channel to the kernel.
	fetchRights = abi.RightWrite | abi.RightWait
	// fetcherMemory bounds the fetcher: its runtime, its HTTP client and
	// a message of the body at a time.
	fetcherMemory = 64 << 20
)

// The causes of a failed fetch, each an abi.FetchCause or the kernel's
// own finding.
var (
	errFetchURL      = errors.New("not an http:// URL")
	errFetchRefused  = errors.New("connection refused")
	errFetchStatus   = errors.New("HTTP status")
	errFetchTooLarge = errors.New("too large")
	errFetchTimeout  = errors.New("timed out")
	errFetchFailed   = errors.New("fetch failed")
)

var fetchCauses = map[abi.FetchCause]error{
	abi.FetchOther:    errFetchFailed,
	abi.FetchRefused:  errFetchRefused,
	abi.FetchStatus:   errFetchStatus,
	abi.FetchTooLarge: errFetchTooLarge,
	abi.FetchTimeout:  errFetchTimeout,
	abi.FetchBadURL:   errFetchURL,
}

var fetchSchema = func() *ipc.Schema {
	s, err := ipc.NewSchema(
		ipc.MessageSpec{Type: abi.MsgFetchData, MaxData: abi.MaxData},
		ipc.MessageSpec{Type: abi.MsgFetchEnd},
		ipc.MessageSpec{Type: abi.MsgFetchFailed, MaxData: abi.MaxData},
	)
	if err != nil {
		panic(err)
	}
	return s
}()

// isURL says whether a module's source names a URL rather than a file.
func isURL(src string) bool { return strings.Contains(src, "://") }

// fetch downloads url, at most limit bytes, within timeout (and
// fetchGrace), through the fetcher.
func (s *system) fetch(url string, limit int, timeout time.Duration) ([]byte, error) {
	if !strings.HasPrefix(url, "http://") {
		return nil, fmt.Errorf("fetch %s: %w", url, errFetchURL)
	}
	body, err := s.runFetcher(url, limit, timeout)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	return body, nil
}

func (s *system) runFetcher(url string, max int, timeout time.Duration) ([]byte, error) {
	mine, theirs, err := ipc.NewChannel(fetchSchema, 0)
	if err != nil {
		return nil, err
	}
	defer mine.Release()
	net, err := s.network.Connect()
	if err != nil {
		cap.New(theirs, fetchRights).Close()
		return nil, err
	}
	opt := proc.SpawnOptions{
		Args:      []string{fetcherProgram, url, strconv.Itoa(max), timeout.String()},
		Handles:   []*cap.Cap{cap.New(theirs, fetchRights), net},
		HandleEnv: map[string]int{abi.NetEnv: 1},
		Console:   &logLines{log: s.log, prefix: fetcherProgram + ": "},
		Limits:    limit.Default.Within(limit.Limits{Memory: fetcherMemory}),
	}
	p, err := s.procs.Spawn(fetcherProgram, opt)
	if err != nil {
		for _, h := range opt.Handles {
			h.Close()
		}
		return nil, err
	}
	defer func() {
		// A fetcher that answered is ending by itself; one that did
		// not is stopped here.
		p.Kill("the kernel stopped waiting for its fetch")
		<-p.Done()
	}()
	deadline := time.Now().Add(timeout + fetchGrace)
	var body []byte
	for {
		m, err := mine.Read(deadline, true, nil)
		if errors.Is(err, ipc.ErrTimedOut) {
			return nil, fmt.Errorf("%w: no answer from the fetcher in %v", errFetchTimeout, timeout+fetchGrace)
		}
		if err != nil {
			// The fetcher's end of the channel is gone: it ended,
			// or it closed the handle and is ended here.
			p.Kill("it closed its channel to the kernel")
			code, report := p.Wait()
			if report != "" {
				report = ": " + report
			}
			return nil, fmt.Errorf("%w: the fetcher ended without an answer, status %d%s", errFetchFailed, code, report)
		}
		switch m.Type {
		case abi.MsgFetchData:
			if len(body)+len(m.Data) > max {
				return nil, fmt.Errorf("%w: more than %d bytes, the limit", errFetchTooLarge, max)
			}
			body = append(body, m.Data...)
		case abi.MsgFetchEnd:
			return body, nil
		case abi.MsgFetchFailed:
			cause := errFetchFailed
			reason := ""
			if len(m.Data) > 0 {
				if c, ok := fetchCauses[abi.FetchCause(m.Data[0])]; ok {
					cause = c
				}
				reason = string(m.Data[1:])
			}
			return nil, fmt.Errorf("%w: %s", cause, reason)
		}
	}
}
