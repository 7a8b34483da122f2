package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"time"

	"clk/abi"
	"clk/sdk"
)

// failure is a fetch that failed, with the cause the kernel is told.
type failure struct {
	cause  abi.FetchCause
	reason string
}

func (f *failure) Error() string { return f.reason }

func main() {
	hs := sdk.StartupHandles()
	if len(os.Args) != 4 || len(hs) == 0 || hs[0] == sdk.InvalidHandle {
		fmt.Fprintln(sdk.Console, "usage: modfetch URL LIMIT TIMEOUT, with the kernel's channel as the first handle")
		sdk.Exit(2)
	}
	out := sdk.Channel{Handle: hs[0]}
	limit, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil || limit < 1 {
		fmt.Fprintf(sdk.Console, "modfetch: limit %q: want a number of bytes\n", os.Args[2])
		sdk.Exit(2)
	}
	timeout, err := time.ParseDuration(os.Args[3])
	if err != nil || timeout <= 0 {
		fmt.Fprintf(sdk.Console, "modfetch: timeout %q: want a duration\n", os.Args[3])
		sdk.Exit(2)
	}
	err = fetch(out, os.Args[1], limit, timeout)
	if err == nil {
		err = out.Write(abi.MsgFetchEnd, nil, nil, sdk.Never)
	} else {
		f, ok := err.(*failure)
		if !ok {
			f = &failure{abi.FetchOther, err.Error()}
		}
		reason := f.reason
		if len(reason) > abi.MaxData-1 {
			reason = reason[:abi.MaxData-1]
		}
		err = out.Write(abi.MsgFetchFailed, append([]byte{byte(f.cause)}, reason...), nil, sdk.Never)
	}
	if err != nil {
		// The kernel is gone: nobody is left to tell.
		sdk.Exit(1)
	}
	sdk.Exit(0)
}

// fetch sends the body of rawURL to out, at most limit bytes, within
// timeout.
func fetch(out sdk.Channel, rawURL string, limit int64, timeout time.Duration) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return &failure{abi.FetchBadURL, fmt.Sprintf("%q: want an http:// URL", rawURL)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return &failure{abi.FetchBadURL, err.Error()}
	}
	// No proxy, whatever the environment says, and no redirect: the URL
	// names the server and the file, and a redirect is refused with its
	// status.
	client := &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return classify(err, timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &failure{abi.FetchStatus, resp.Status}
	}
	if resp.ContentLength > limit {
		return &failure{abi.FetchTooLarge, fmt.Sprintf("%d bytes, the limit is %d", resp.ContentLength, limit)}
	}
	buf := make([]byte, abi.MaxData)
	var sent int64
	for {
		n, err := fill(resp.Body, buf)
		if sent += int64(n); sent > limit {
			return &failure{abi.FetchTooLarge, fmt.Sprintf("more than %d bytes, the limit", limit)}
		}
		if n > 0 {
			if werr := out.Write(abi.MsgFetchData, buf[:n], nil, sdk.Never); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return classify(err, timeout)
		}
	}
}

// fill reads into buf until it is full or r fails; it returns io.EOF
// only at the body's end.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// classify names the cause of a failed request or read.
func classify(err error, timeout time.Duration) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		// Its text repeats the method and URL the kernel names.
		err = uerr.Err
	}
	var nerr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &failure{abi.FetchRefused, err.Error()}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return &failure{abi.FetchTimeout, fmt.Sprintf("no complete answer in %v", timeout)}
	}
	return &failure{abi.FetchOther, err.Error()}
}
