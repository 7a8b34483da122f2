package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func fail(format string, args ...any) {
	fmt.Printf("fetch: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Println("usage: fetch URL FILE")
		os.Exit(2)
	}
	url, name := os.Args[1], os.Args[2]
	start := time.Now()
	c := &http.Client{Timeout: 5 * time.Minute}
	resp, err := c.Get(url)
	if err != nil {
		fail("%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fail("%s: %s", url, resp.Status)
	}
	f, err := os.Create(name)
	if err != nil {
		fail("%v", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if err != nil {
		f.Close()
		fail("%s: %v", url, err)
	}
	if err := f.Close(); err != nil {
		fail("%v", err)
	}
	fmt.Printf("fetch: %s: %d bytes in %v, sha256 %x\n", name, n, time.Since(start).Round(time.Millisecond), h.Sum(nil))
}
