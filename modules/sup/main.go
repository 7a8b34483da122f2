// Command sup is the AI supervisor (docs/supervisor.md): a ring-3 module
// that holds two handles beyond its control channel, the kernel's metrics
// object (read only) and its own control channel to the kernel. Each
// period it reads a metrics record, runs tier 1 (the rules of rules.json)
// and tier 2 (EWMA, robust z-score and CUSUM baselines) over every module
// instance's sample, reports each alert with its evidence and asks for
// the alert's suggested action with a message signed by its key. The
// kernel's policy engine decides; the supervisor is told nothing back.
//
// Its ed25519 key's seed is set when it is built (make modules: -X
// main.keySeed=BASE64); a build without one exits at start.
package main

import (
	"crypto/ed25519"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"clk/abi"
	"clk/aisup"
	"clk/aisup/metrics"
	"clk/aisup/rules"
	"clk/aisup/stats"
	"clk/sdk"
	"clk/sdk/module"
	"clk/suppolicy"
)

// keySeed is the base64 of the supervisor's 32-byte ed25519 seed.
var keySeed string

//go:embed rules.json
var rulesJSON []byte

// period is how often the supervisor reads the metrics.
const period = time.Second

// baselines are tier 2's monitors, one per unit: a metric's spread on an
// idle module is tiny (a few hundred microseconds of CPU, a few
// syscalls a period), so each unit gets the smallest deviation worth an
// alert as its MinScale, and a score of 6 means six of those beyond the
// baseline: 300 ms of CPU in a second, 600 calls or messages, 6 MiB.
var baselines = []stats.Config{
	{Metrics: []string{"cpu_ns"}, MinScale: float64(50 * time.Millisecond)},
	{Metrics: []string{"syscalls", "msgs_in", "msgs_out", "faults"}, MinScale: 100},
	{Metrics: []string{"resident_pages"}, MinScale: 256},
}

// service is the module's (empty) service: the supervisor provides none
// and keeps no state across a restart; its baselines learn again.
type service struct{}

func (service) Handle(module.Request) []byte    { return nil }
func (service) Export() ([]byte, error)         { return nil, nil }
func (service) Import(_ []byte, _ string) error { return nil }

func main() {
	hs := sdk.StartupHandles()
	if len(hs) < 3 {
		fmt.Fprintf(os.Stderr, "sup: %d startup handles, want the control channel, metrics and the supervisor channel\n", len(hs))
		os.Exit(1)
	}
	s, err := newSupervisor(sdk.Metrics{Handle: hs[1]}, sdk.Channel{Handle: hs[2]})
	if err != nil {
		fmt.Fprintf(os.Stderr, "sup: %v\n", err)
		os.Exit(1)
	}
	go s.run()
	module.Main(service{})
}

// supervisor is the detection loop's state.
type supervisor struct {
	metrics sdk.Metrics
	ctl     sdk.Channel
	key     ed25519.PrivateKey
	rules   *rules.Engine
	stats   []*stats.Monitor
	buf     []byte
	seq     uint64 // the last action's sequence number
	alertID uint64
}

func newSupervisor(m sdk.Metrics, ctl sdk.Channel) (*supervisor, error) {
	seed, err := base64.StdEncoding.DecodeString(keySeed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("no signing key built in (make modules sets main.keySeed)")
	}
	rs, err := rules.Parse(rulesJSON)
	if err != nil {
		return nil, fmt.Errorf("rules.json: %w", err)
	}
	var mons []*stats.Monitor
	for _, c := range baselines {
		mon, err := stats.NewMonitor(c)
		if err != nil {
			return nil, err
		}
		mons = append(mons, mon)
	}
	return &supervisor{
		metrics: m, ctl: ctl, key: ed25519.NewKeyFromSeed(seed),
		rules: rules.NewEngine(rs, nil), stats: mons,
		buf: make([]byte, 1<<20),
		// The kernel refuses a sequence number it has seen from this
		// key: a restarted supervisor starts above any of its
		// predecessor's by counting from the clock.
		seq: uint64(time.Now().UnixNano()),
	}, nil
}

// run reads a record each period and judges it.
func (s *supervisor) run() {
	var alerts []aisup.Alert
	for {
		time.Sleep(period)
		b, err := s.metrics.Read(s.buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sup: metrics: %v\n", err)
			continue
		}
		rec, err := metrics.ParseRecord(b)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sup: metrics: %v\n", err)
			continue
		}
		for i := range rec.Samples {
			smp := &rec.Samples[i]
			if smp.Module == "" {
				continue
			}
			alerts = s.rules.Observe(rec.Time, smp, alerts[:0])
			for _, mon := range s.stats {
				alerts = mon.Observe(rec.Time, smp, alerts)
			}
			for j := range alerts {
				s.report(&alerts[j])
			}
		}
	}
}

// report sends an alert and then the signed action it suggests.
func (s *supervisor) report(a *aisup.Alert) {
	s.alertID++
	a.ID = s.alertID
	if b, err := json.Marshal(a); err == nil && len(b) <= abi.SupMaxMessage {
		s.ctl.Write(abi.SupAlert, b, nil, sdk.Never)
	}
	kind := a.Suggested
	if kind == 0 {
		// A rule that names no action only reports.
		kind = suppolicy.Alert
	}
	// Rising with the clock as well as by one: an action the kernel
	// took with a number from the clock (sup submit) does not hold
	// this supervisor's back for long.
	s.seq = max(s.seq+1, uint64(time.Now().UnixNano()))
	act := suppolicy.Action{
		Kind: kind, Seq: s.seq, Time: time.Now(), AlertID: a.ID, Module: a.Module,
		Reason: fmt.Sprintf("%s (tier %d, score %.3g)", a.Kind, a.Tier, a.Score),
	}
	if err := act.Sign(s.key); err != nil {
		fmt.Fprintf(os.Stderr, "sup: sign: %v\n", err)
		return
	}
	b, err := act.MarshalBinary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sup: action: %v\n", err)
		return
	}
	s.ctl.Write(abi.SupAction, b, nil, sdk.Never)
}
