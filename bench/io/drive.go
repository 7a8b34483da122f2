package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The network figures, measured from the host by its clock.
const (
	tcpToGuest   = "tcp-host-to-guest"
	tcpFromGuest = "tcp-guest-to-host"
	httpRequests = "http-requests"
)

// greeting is what the guest's TCP port says first (programs/iobench):
// QEMU accepts a forwarded connection whether or not the guest listens, so
// only the greeting shows that the guest is there.
const greeting = "iobench\n"

// chunk is the size of each of the host's writes to the sink.
const chunk = 64 << 10

// guest is the guest's servers as the host reaches them through QEMU's
// hostfwd rules.
type guest struct {
	tcp, http string // host addresses: 127.0.0.1:PORT
	// wait bounds each wait for the guest: for its greeting, while the
	// network comes up, and for each transfer.
	wait time.Duration
}

// dial connects to the guest's TCP port, trying again until the guest
// greets or g.wait passes.
func (g guest) dial() (net.Conn, *bufio.Reader, error) {
	deadline := time.Now().Add(g.wait)
	var last error
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", g.tcp, 5*time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			r := bufio.NewReaderSize(c, chunk)
			var line string
			if line, err = r.ReadString('\n'); err == nil && line == greeting {
				c.SetDeadline(time.Time{})
				return c, r, nil
			}
			if err == nil {
				err = fmt.Errorf("greeting %q, want %q", line, greeting)
			}
			c.Close()
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	return nil, nil, fmt.Errorf("no greeting from the guest's TCP port %s in %v: %w", g.tcp, g.wait, last)
}

// toGuest sends n bytes to the guest's sink and returns the time from the
// command to the guest's answer that they all came.
func (g guest) toGuest(n int64) (time.Duration, error) {
	c, r, err := g.dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(g.wait))
	start := time.Now()
	if _, err := fmt.Fprintf(c, "sink %d\n", n); err != nil {
		return 0, err
	}
	buf := make([]byte, chunk)
	for left := n; left > 0; {
		k, err := c.Write(buf[:min(int64(len(buf)), left)])
		left -= int64(k)
		if err != nil {
			return 0, fmt.Errorf("sink: %d bytes left: %w", left, err)
		}
	}
	line, err := r.ReadString('\n')
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("sink: no answer: %w", err)
	}
	if want := fmt.Sprintf("ok %d\n", n); line != want {
		return 0, fmt.Errorf("sink: answer %q, want %q", line, want)
	}
	return took, nil
}

// fromGuest has the guest's source send n bytes and returns the time from
// the command to the last byte.
func (g guest) fromGuest(n int64) (time.Duration, error) {
	c, r, err := g.dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(g.wait))
	start := time.Now()
	if _, err := fmt.Fprintf(c, "source %d\n", n); err != nil {
		return 0, err
	}
	got, err := io.Copy(io.Discard, r)
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("source: after %d bytes: %w", got, err)
	}
	if got != n {
		return 0, fmt.Errorf("source: %d bytes, want %d", got, n)
	}
	return took, nil
}

// quit tells the guest program to end.
func (g guest) quit() error {
	c, r, err := g.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(g.wait))
	if _, err := io.WriteString(c, "quit\n"); err != nil {
		return err
	}
	if line, err := r.ReadString('\n'); err != nil || line != "bye\n" {
		return fmt.Errorf("quit: answer %q, %v", line, err)
	}
	return nil
}

// httpLoad is the outcome of a run of HTTP clients.
type httpLoad struct {
	requests int64         // answered in full while the clock ran
	took     time.Duration // from the start to the last client's end
	conns    int64         // connections the clients opened, warm-up included
	errs     []error       // one per client that stopped early
}

// perSecond returns the requests per second.
func (l httpLoad) perSecond() float64 {
	if l.took <= 0 {
		return 0
	}
	return float64(l.requests) / l.took.Seconds()
}

// loadHTTP runs clients keep-alive clients against the guest's HTTP port,
// each with its own connection, one request after the other, each a GET of
// a body of bodyLen bytes. Each client first makes one request that is not
// counted, which opens its connection; then the clock starts, and each
// client makes requests until d has passed. A client whose request fails
// stops; its error is kept.
func (g guest) loadHTTP(clients int, d time.Duration, bodyLen int) httpLoad {
	var load httpLoad
	var requests, conns atomic.Int64
	var mu sync.Mutex
	stop := func(err error) {
		mu.Lock()
		load.errs = append(load.errs, err)
		mu.Unlock()
	}
	url := "http://" + g.http + "/"
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	var startTime time.Time
	for i := range clients {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			dialer := &net.Dialer{Timeout: 5 * time.Second}
			client := &http.Client{
				Timeout: g.wait,
				Transport: &http.Transport{
					DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
						conns.Add(1)
						return dialer.DialContext(ctx, network, addr)
					},
					MaxIdleConnsPerHost: 1,
					DisableCompression:  true,
				},
			}
			defer client.CloseIdleConnections()
			err := get(client, url, bodyLen)
			ready.Done()
			<-start
			if err != nil {
				stop(fmt.Errorf("client %d, warm-up: %w", i, err))
				return
			}
			for time.Since(startTime) < d {
				if err := get(client, url, bodyLen); err != nil {
					stop(fmt.Errorf("client %d: %w", i, err))
					return
				}
				requests.Add(1)
			}
		}()
	}
	ready.Wait()
	startTime = time.Now()
	close(start)
	done.Wait()
	load.took = time.Since(startTime)
	load.requests, load.conns = requests.Load(), conns.Load()
	return load
}

// get makes one request and reads its whole body, which must be bodyLen
// bytes.
func get(client *http.Client, url string, bodyLen int) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	case n != int64(bodyLen):
		return fmt.Errorf("GET %s: %d bytes, want %d", url, n, bodyLen)
	}
	return nil
}

// errorsText joins the first few errors for a report line.
func errorsText(errs []error) string {
	const shown = 3
	var s []string
	for i, err := range errs {
		if i == shown {
			s = append(s, fmt.Sprintf("and %d more", len(errs)-shown))
			break
		}
		s = append(s, err.Error())
	}
	return strings.Join(s, "; ")
}
