package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"clk/bench/vslinux"
	"clk/internal/qemu"
)

func main() { os.Exit(run()) }

// The guest's ports, which the hostfwd rules lead to.
const (
	guestTCP  = 5001
	guestHTTP = qemu.GuestHTTP
)

// figures are the table's rows, in order, with their units.
var (
	figures = []string{diskWrite, diskRead, tcpToGuest, tcpFromGuest, httpRequests}
	units   = map[string]string{
		diskWrite: "MiB/s", diskRead: "MiB/s", tcpToGuest: "MiB/s", tcpFromGuest: "MiB/s", httpRequests: "req/s",
	}
)

// goal is the aim: clk at least as fast as Linux on every figure.
const goal = 1.0

// wantStatus are QEMU's exit statuses when a guest ended well, by system:
// both power the machine off (QEMU exits with 0); clk falls back to
// isa-debug-exit with status 0 (QEMU exits with 0<<1|1) where ACPI does not
// let it.
var wantStatus = [2][]int{vslinux.Clk: {0, 1}, vslinux.Linux: {0}}

// events match, by system, the console lines the host notes the time of,
// up to the one after which it has to act: the disk figures, then the
// guest's servers listening, or the guest ending without them, or for clk
// its shell's prompt, which means that the kernel did not run the program.
var events = [2]*regexp.Regexp{
	vslinux.Clk:   regexp.MustCompile(`BENCH (disk-write|disk-read|ready|done)\b[^\n]*\n|` + regexp.QuoteMeta(qemu.Prompt)),
	vslinux.Linux: regexp.MustCompile(`BENCH (disk-write|disk-read|ready|done)\b[^\n]*\n`),
}

var doneLine = regexp.MustCompile(`BENCH done[ \t\r]*\n`)

// config is what the flags say.
type config struct {
	diskMiB, tcpMiB int64
	chunk           int
	httpClients     int
	httpTime        time.Duration
	httpBody        int
	mkfs            string
	diskKiB         int
	timeout, wait   time.Duration
}

// guestArgs are the guest program's flags.
func (c config) guestArgs() []string {
	return []string{
		"-disk-mib", strconv.FormatInt(c.diskMiB, 10), "-chunk", strconv.Itoa(c.chunk),
		"-tcp-port", strconv.Itoa(guestTCP), "-http-port", strconv.Itoa(guestHTTP),
		"-http-body", strconv.Itoa(c.httpBody),
	}
}

// run returns the exit status, so that deferred clean-ups run before exit.
func run() int {
	clkELF := flag.String("clk", "build/clk.elf", "clk kernel ELF, booted through its PVH note")
	clkInitrd := flag.String("clk-initrd", "build/initrd.cpio", "clk's initrd, holding the iobench program")
	kernel := flag.String("linux-kernel", "", "Linux kernel image (scripts/linux-guest.sh kernel)")
	initrd := flag.String("linux-initrd", "build/iobench/initramfs.cpio", "initramfs with programs/iobench built for GOOS=linux as /init and the modules it loads")
	runs := flag.Int("runs", 2, "boots per system; each figure is the best of them")
	smp := flag.Int("smp", 2, "guest CPUs")
	var c config
	flag.Int64Var(&c.diskMiB, "disk-mib", 16, "MiB the guest writes to its disk and reads back")
	flag.IntVar(&c.chunk, "chunk", 256<<10, "bytes per write and per read of the guest's file")
	flag.Int64Var(&c.tcpMiB, "tcp-mib", 16, "MiB sent in each TCP direction")
	flag.IntVar(&c.httpClients, "http-clients", 4, "concurrent keep-alive HTTP clients")
	flag.DurationVar(&c.httpTime, "http-time", 5*time.Second, "how long the HTTP clients run")
	flag.IntVar(&c.httpBody, "http-body", 1024, "bytes in each HTTP response's body")
	flag.StringVar(&c.mkfs, "mkfs", "/usr/sbin/mkfs.fat", "mkfs.fat, which makes each boot's FAT32 disk image")
	flag.IntVar(&c.diskKiB, "disk-kib", 512<<10, "size of each boot's disk image in KiB")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Minute, "limit for one boot")
	flag.DurationVar(&c.wait, "wait", 3*time.Minute, "limit for each wait on the guest's network: its greeting, each transfer")
	flag.Parse()
	switch {
	case *runs < 1 || *smp < 1 || c.timeout <= 0 || c.wait <= 0:
		fmt.Fprintln(os.Stderr, "bench-io: -runs and -smp must be at least 1, -timeout and -wait positive")
		return 2
	case c.diskMiB < 1 || c.tcpMiB < 1 || c.chunk < 4096 || c.httpClients < 1 || c.httpTime <= 0 || c.httpBody < 0 || c.diskKiB < 64<<10:
		fmt.Fprintln(os.Stderr, "bench-io: sizes, -http-clients and -http-time must be positive, -chunk at least 4096, -disk-kib at least 65536")
		return 2
	case c.diskMiB<<10 > int64(c.diskKiB)/2:
		fmt.Fprintln(os.Stderr, "bench-io: -disk-mib must fit in half of -disk-kib")
		return 2
	case *kernel == "":
		fmt.Fprintln(os.Stderr, "bench-io: -linux-kernel is required")
		return 2
	case flag.NArg() > 0:
		fmt.Fprintf(os.Stderr, "bench-io: unexpected arguments %q\n", flag.Args())
		return 2
	}
	for _, path := range []string{*clkELF, *clkInitrd, *kernel, *initrd, c.mkfs} {
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(os.Stderr, "bench-io: %v\n", err)
			return 2
		}
	}
	args := c.guestArgs()
	plan := vslinux.Plan{
		Boots: [2]qemu.Boot{
			vslinux.Clk: qemu.Kernel("clk", "pc", *clkELF, *clkInitrd, "clk.run=iobench,"+strings.Join(args, ",")),
			vslinux.Linux: qemu.Kernel("Linux", "pc", *kernel, *initrd,
				"console=ttyS0 quiet -- "+strings.Join(args, " ")),
		},
		CPUs: *smp,
		Runs: *runs,
	}
	plan.Describe(os.Stdout)
	fmt.Printf("devices: virtio-blk (a new FAT32 image of %d KiB, 4 KiB clusters, each boot), "+
		"virtio-net (QEMU user network, restrict=on, hostfwd from 127.0.0.1)\n", c.diskKiB)
	var bests [2]bestRates
	failed := plan.Run(vslinux.Stderr("bench-io"), func(r, sys int, cmd qemu.Command) error {
		rates, took, err := boot(sys, cmd, c)
		for _, x := range rates {
			bests[sys].add(x)
		}
		fmt.Printf("boot %d %-5s %s in %.1f s\n", r, vslinux.Names[sys], summary(rates), took.Seconds())
		return err
	})
	fmt.Println()
	rs := rows(figures, units, &bests[vslinux.Clk], &bests[vslinux.Linux])
	writeTable(os.Stdout, rs)
	fmt.Printf("%s: clk's rate over Linux's; above 1, clk is faster. Best of %d boots each.\n", ratioLabel, *runs)
	fmt.Printf("goal, clk >= %.2fx Linux on every figure: %s\n", goal, goalVerdict(rs, goal))
	fmt.Println()
	describe(c)
	status := 0
	for sys, err := range failed {
		if err == nil {
			continue
		}
		if len(bests[sys].order) == 0 {
			fmt.Printf("%s printed no results: see the error above\n", vslinux.Names[sys])
			status = 1
		} else {
			fmt.Printf("%s's figures are partial: see the error above\n", vslinux.Names[sys])
		}
	}
	return status
}

// describe says what each figure measures on each system.
func describe(c config) {
	fmt.Printf(`What is measured:
  %s, %s: by the guest's clock, from the open to the close of a %d MiB file written
    in %d KiB chunks (then File.Sync) and read back in chunks of the same size, every
    byte checked; one program (programs/iobench) using package os on both systems.
    clk: a ring-3 program's os on /disk, served by the fatfs service over the virtio-blk
    driver; fatfs keeps no file data in memory, so the read goes to the device.
    Linux: vfat on /dev/vda (virtio_blk); before the read, sync and drop_caches, so
    the read goes to the device.
  %s, %s: by the host's clock, %d MiB over one TCP connection through
    QEMU's user network and a hostfwd port, from the command to the guest's answer that
    all came (to the guest) or to the last byte (from the guest); the guest reads and
    writes %d KiB at a time with package net.
  %s: by the host's clock, %d keep-alive clients on their own connections through a
    hostfwd port, each GET after the other for %v, of a %d-byte body from net/http in the guest.
All figures go through QEMU's TCG; each is the best of the boots.
`, diskWrite, diskRead, c.diskMiB, c.chunk>>10, tcpToGuest, tcpFromGuest, c.tcpMiB, chunk>>10,
		httpRequests, c.httpClients, c.httpTime, c.httpBody)
}

// boot runs the guest program once on the system sys: a new disk image,
// new host ports, the guest's own disk figures, then the host's network
// figures against the guest's servers. It returns the figures it got, the
// time from QEMU's start to the guest's end, and an error when a figure
// is missing or the guest did not end as it should.
func boot(sys int, cmd qemu.Command, c config) ([]rate, time.Duration, error) {
	dir, err := os.MkdirTemp("", "bench-io-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	img := filepath.Join(dir, "disk.img")
	mkfs := exec.Command(c.mkfs, "-F", "32", "-s", "8", "-n", "CLK", "-C", img, strconv.Itoa(c.diskKiB))
	if out, err := mkfs.CombinedOutput(); err != nil {
		return nil, 0, fmt.Errorf("%s: %v: %s", mkfs, err, out)
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, 0, err
	}
	devs, err := qemu.Devices{Disk: img, Net: true, Forwards: []qemu.Forward{{Host: ports[0], Guest: guestTCP}, {Host: ports[1], Guest: guestHTTP}}}.Args()
	if err != nil {
		return nil, 0, err
	}
	cmd.Extra = append(cmd.Extra, devs...)

	m, err := qemu.StartCommand(context.Background(), cmd, c.timeout)
	if err != nil {
		return nil, 0, err
	}
	defer m.Kill()
	var rates []rate
	var errs []error
	// When each line came, by the host's clock.
	seen := map[string]time.Time{}
	var end []string
	var waitErr error
	for deadline := time.Now().Add(c.timeout); ; {
		end, waitErr = m.ExpectRegexp(events[sys], time.Until(deadline))
		if waitErr != nil {
			break
		}
		seen[end[2]] = time.Now()
		if end[2] != diskWrite && end[2] != diskRead {
			break
		}
	}
	out, err := parse(m.Console())
	if err != nil {
		return nil, time.Since(m.Started()), fmt.Errorf("unexpected BENCH lines: %w", err)
	}
	for _, name := range out.order {
		rates = append(rates, rate{name, units[name], out.figures[name].mibPerSec()})
	}
	checkClock(sys, out, seen)
	switch {
	case waitErr != nil:
		return rates, time.Since(m.Started()), fmt.Errorf("the guest's servers did not start: %w", waitErr)
	case end[1] == qemu.Prompt:
		return rates, time.Since(m.Started()), fmt.Errorf("the kernel started its shell rather than the program "+
			"(does the initrd hold iobench?); console:\n%s", vslinux.Tail(m.Console()))
	case out.ready:
		g := guest{tcp: "127.0.0.1:" + strconv.Itoa(ports[0]), http: "127.0.0.1:" + strconv.Itoa(ports[1]), wait: c.wait}
		netRates, err := network(g, c)
		rates = append(rates, netRates...)
		if err != nil {
			errs = append(errs, err)
		}
		if err := g.quit(); err != nil {
			errs = append(errs, err)
		}
		if _, err := m.ExpectRegexp(doneLine, c.wait); err != nil {
			errs = append(errs, err)
		}
	}
	took := time.Since(m.Started())
	status, err := m.Wait(time.Minute)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("after BENCH done: %w", err))
	case !slices.Contains(wantStatus[sys], status):
		fmt.Fprintf(os.Stderr, "bench-io: warning: %s: QEMU exited with status %d after BENCH done, want one of %v\n",
			vslinux.Names[sys], status, wantStatus[sys])
	}
	if out, err = parse(m.Console()); err != nil {
		errs = append(errs, fmt.Errorf("unexpected BENCH lines: %w", err))
	}
	if len(out.errors) > 0 {
		errs = append(errs, fmt.Errorf("the guest said: %s", strings.Join(out.errors, "; ")))
	}
	var missing []string
	for _, name := range figures {
		if !slices.ContainsFunc(rates, func(r rate) bool { return r.name == name }) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("no figure for %s; console:\n%s", strings.Join(missing, ", "), vslinux.Tail(m.Console())))
	}
	return rates, took, errors.Join(errs...)
}

// clockSlack is how far the guest's time for the read may fall outside
// the host's time between the write's and the read's lines before
// checkClock warns: a share of the host's time, and at least clockMargin,
// which covers the cache drop and the console's own delays on short reads.
const (
	clockSlack  = 0.1
	clockMargin = 250 * time.Millisecond
)

// checkClock compares the guest's time for the disk read, by its clock,
// with the time between its disk-write and disk-read lines by the host's,
// which holds the read and little else (on Linux also the cache drop): a
// guest clock calibrated wrongly at boot would make both disk figures
// wrong by the same factor. It warns when the two differ by more than the
// slack.
func checkClock(sys int, out *guestOutput, seen map[string]time.Time) {
	f, ok := out.figures[diskRead]
	w, okW := seen[diskWrite]
	r, okR := seen[diskRead]
	if !ok || !okW || !okR {
		return
	}
	if guest, host := time.Duration(f.ns), r.Sub(w); clockOff(guest, host) {
		fmt.Fprintf(os.Stderr, "bench-io: warning: %s: the disk read took %.3f s by the guest's clock, "+
			"but its line came %.3f s after the write's by the host's: the guest's clock may be off\n",
			vslinux.Names[sys], guest.Seconds(), host.Seconds())
	}
}

// clockOff reports whether the guest's time and the host's for the same
// work differ by more than the slack.
func clockOff(guest, host time.Duration) bool {
	margin := max(time.Duration(clockSlack*float64(host)), clockMargin)
	return guest < host-margin || guest > host+margin
}

// network measures the TCP and HTTP figures against the guest's servers.
func network(g guest, c config) ([]rate, error) {
	var rates []rate
	var errs []error
	n := c.tcpMiB << 20
	if took, err := g.toGuest(n); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", tcpToGuest, err))
	} else {
		rates = append(rates, rate{tcpToGuest, units[tcpToGuest], float64(c.tcpMiB) / took.Seconds()})
	}
	if took, err := g.fromGuest(n); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", tcpFromGuest, err))
	} else {
		rates = append(rates, rate{tcpFromGuest, units[tcpFromGuest], float64(c.tcpMiB) / took.Seconds()})
	}
	load := g.loadHTTP(c.httpClients, c.httpTime, c.httpBody)
	if len(load.errs) > 0 {
		errs = append(errs, fmt.Errorf("%s: %d of %d clients stopped early (%d requests answered): %s",
			httpRequests, len(load.errs), c.httpClients, load.requests, errorsText(load.errs)))
	}
	if load.conns > int64(c.httpClients) {
		fmt.Fprintf(os.Stderr, "bench-io: warning: %s: %d connections for %d keep-alive clients\n", httpRequests, load.conns, c.httpClients)
	}
	if load.requests > 0 && len(load.errs) == 0 {
		rates = append(rates, rate{httpRequests, units[httpRequests], load.perSecond()})
	}
	return rates, errors.Join(errs...)
}

// freePorts returns n TCP ports of the host's loopback that were free a
// moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// summary formats one boot's figures.
func summary(rates []rate) string {
	if len(rates) == 0 {
		return "no figures"
	}
	parts := make([]string, len(rates))
	for i, r := range rates {
		parts[i] = fmt.Sprintf("%s %.2f %s", r.name, r.value, r.unit)
	}
	return strings.Join(parts, ", ")
}
