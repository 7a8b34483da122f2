package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// greeting starts every connection to the TCP port.
const greeting = "iobench\n"

// netChunk is the size of each read and write of the TCP sink and source.
const netChunk = 64 << 10

// commandTimeout bounds the wait for a connection's command line.
const commandTimeout = time.Minute

// servers are the TCP sink and source and the HTTP server.
type servers struct {
	tcp, http net.Listener
	httpSrv   *http.Server
	quit      chan struct{} // closed by the first quit command
	quitOnce  sync.Once
	conns     sync.WaitGroup

	mu   sync.Mutex
	errs []error
}

// listen starts the servers on the two ports, of every address.
func listen(tcpPort, httpPort, httpBody int) (*servers, error) {
	tl, err := net.Listen("tcp", ":"+strconv.Itoa(tcpPort))
	if err != nil {
		return nil, err
	}
	hl, err := net.Listen("tcp", ":"+strconv.Itoa(httpPort))
	if err != nil {
		tl.Close()
		return nil, err
	}
	s := &servers{tcp: tl, http: hl, quit: make(chan struct{})}
	s.httpSrv = &http.Server{Handler: bodyHandler(httpBody), ReadHeaderTimeout: time.Minute}
	go s.acceptTCP()
	go s.httpSrv.Serve(hl)
	return s, nil
}

// bodyHandler answers every request with n bytes.
func bodyHandler(n int) http.Handler {
	body := []byte(strings.Repeat("iobench\n", n/8+1)[:n])
	length := strconv.Itoa(n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})
}

func (s *servers) acceptTCP() {
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			return
		}
		s.conns.Add(1)
		go func() {
			defer s.conns.Done()
			if err := s.serveConn(c); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, err)
				s.mu.Unlock()
			}
		}()
	}
}

// serveConn greets c and runs its one command.
func (s *servers) serveConn(c net.Conn) error {
	defer c.Close()
	if _, err := io.WriteString(c, greeting); err != nil {
		// The host's dial through a hostfwd that went nowhere: no
		// command was ever coming.
		return nil
	}
	r := bufio.NewReaderSize(c, netChunk)
	c.SetReadDeadline(time.Now().Add(commandTimeout))
	line, err := r.ReadString('\n')
	if err != nil {
		// The host gave up on this connection before its command.
		return nil
	}
	c.SetReadDeadline(time.Time{})
	cmd, n, err := parseCommand(line)
	if err != nil {
		fmt.Fprintf(c, "error %v\n", err)
		return err
	}
	switch cmd {
	case "sink":
		got, err := sink(r, n)
		if err != nil {
			return fmt.Errorf("sink of %d bytes: after %d: %w", n, got, err)
		}
		_, err = fmt.Fprintf(c, "ok %d\n", got)
		return err
	case "source":
		if err := source(c, n); err != nil {
			return fmt.Errorf("source of %d bytes: %w", n, err)
		}
		return nil
	default: // quit
		_, err := io.WriteString(c, "bye\n")
		s.quitOnce.Do(func() { close(s.quit) })
		return err
	}
}

// parseCommand reads a command line: "sink N", "source N" or "quit".
func parseCommand(line string) (cmd string, n int64, err error) {
	f := strings.Fields(line)
	switch {
	case len(f) == 1 && f[0] == "quit":
		return "quit", 0, nil
	case len(f) == 2 && (f[0] == "sink" || f[0] == "source"):
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || n < 0 {
			return "", 0, fmt.Errorf("command %q: bad byte count", strings.TrimSpace(line))
		}
		return f[0], n, nil
	}
	return "", 0, fmt.Errorf("command %q: want sink N, source N or quit", strings.TrimSpace(line))
}

// sink reads n bytes from r and returns how many came.
func sink(r io.Reader, n int64) (int64, error) {
	buf := make([]byte, netChunk)
	var got int64
	for got < n {
		k, err := r.Read(buf[:min(int64(len(buf)), n-got)])
		got += int64(k)
		if err != nil {
			if errors.Is(err, io.EOF) && got == n {
				break
			}
			return got, err
		}
	}
	return got, nil
}

// source writes n bytes to w.
func source(w io.Writer, n int64) error {
	buf := makePattern(netChunk)
	for n > 0 {
		k, err := w.Write(buf[:min(int64(len(buf)), n)])
		n -= int64(k)
		if err != nil {
			return err
		}
	}
	return nil
}

// close stops the servers and returns the errors their connections had.
func (s *servers) close() []error {
	s.tcp.Close()
	s.httpSrv.Close()
	s.conns.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errs
}
