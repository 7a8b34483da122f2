package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	status := run(os.Args[1:], os.Stdout)
	finish()
	os.Exit(status)
}

// config is what the flags say.
type config struct {
	dir        string
	diskBytes  int64
	chunk      int
	tcpPort    int
	httpPort   int
	httpBody   int
	serveLimit time.Duration
}

// parseFlags reads args into a config; problems go to out.
func parseFlags(args []string, out io.Writer) (config, error) {
	fs := flag.NewFlagSet("iobench", flag.ContinueOnError)
	fs.SetOutput(out)
	var c config
	var mib int64
	fs.StringVar(&c.dir, "dir", "/disk", "directory of the file the disk figures write and read")
	fs.Int64Var(&mib, "disk-mib", 16, "size of that file in MiB")
	fs.IntVar(&c.chunk, "chunk", 256<<10, "bytes per write and per read of the file")
	fs.IntVar(&c.tcpPort, "tcp-port", 5001, "port of the TCP sink and source")
	fs.IntVar(&c.httpPort, "http-port", 80, "port of the HTTP server")
	fs.IntVar(&c.httpBody, "http-body", 1024, "bytes in every HTTP response's body")
	fs.DurationVar(&c.serveLimit, "serve-limit", 10*time.Minute, "how long to serve without a quit command")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	switch {
	case fs.NArg() > 0:
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	case mib < 1 || mib > 1<<20:
		return config{}, fmt.Errorf("-disk-mib %d: want 1 to %d", mib, 1<<20)
	case c.chunk < chunkHeader || c.chunk > 64<<20:
		return config{}, fmt.Errorf("-chunk %d: want %d to %d", c.chunk, chunkHeader, 64<<20)
	case c.tcpPort < 1 || c.tcpPort > 65535 || c.httpPort < 1 || c.httpPort > 65535 || c.tcpPort == c.httpPort:
		return config{}, fmt.Errorf("-tcp-port %d, -http-port %d: want two ports", c.tcpPort, c.httpPort)
	case c.httpBody < 0 || c.httpBody > 16<<20:
		return config{}, fmt.Errorf("-http-body %d: want 0 to %d", c.httpBody, 16<<20)
	case c.serveLimit <= 0:
		return config{}, fmt.Errorf("-serve-limit %v: want a positive duration", c.serveLimit)
	}
	c.diskBytes = mib << 20
	return c, nil
}

// run prepares the machine, measures the disk, serves the network
// measurements and returns the exit status: 0 when every step went well, 1
// when one failed, 2 for bad flags.
func run(args []string, out io.Writer) int {
	c, err := parseFlags(args, out)
	if err != nil {
		fmt.Fprintf(out, "iobench: %v\n", err)
		return 2
	}
	status := 0
	failed := func(format string, args ...any) {
		fmt.Fprintf(out, "iobench: "+format+"\n", args...)
		status = 1
	}
	if err := setup(); err != nil {
		// Not fatal: a step that needed what failed says so.
		failed("setup: %v", err)
	}

	d := disk{dir: c.dir, size: c.diskBytes, chunk: c.chunk, dropCache: dropCache}
	if took, err := d.write(); err != nil {
		failed("disk-write: %v", err)
	} else {
		fmt.Fprintf(out, "BENCH disk-write %d %d\n", c.diskBytes, took.Nanoseconds())
		if took, err := d.read(); err != nil {
			failed("disk-read: %v", err)
		} else {
			fmt.Fprintf(out, "BENCH disk-read %d %d\n", c.diskBytes, took.Nanoseconds())
		}
	}

	s, err := listen(c.tcpPort, c.httpPort, c.httpBody)
	if err != nil {
		failed("network: %v", err)
	} else {
		fmt.Fprintln(out, "BENCH ready")
		select {
		case <-s.quit:
		case <-time.After(c.serveLimit):
			failed("network: no quit command in %v", c.serveLimit)
		}
		for _, err := range s.close() {
			failed("network: %v", err)
		}
	}
	fmt.Fprintln(out, "BENCH done")
	return status
}
