// Command hang is a module that stops answering on request, for the
// supervisor's tests: any request with the text "hang" never returns, so
// the instance misses its heartbeats (and every other request) until it
// is restarted; any other request is answered "ok". It keeps no state.
package main

import (
	"time"

	"clk/sdk/module"
)

type service struct{}

func (service) Handle(r module.Request) []byte {
	if string(r.Data) == "hang" {
		// Sleeping rather than blocking on nothing: the runtime would
		// call a process with every goroutine blocked deadlocked and
		// end it, which is a crash, not a hang.
		for {
			time.Sleep(time.Hour)
		}
	}
	return []byte("ok")
}

func (service) Export() ([]byte, error)         { return nil, nil }
func (service) Import(_ []byte, _ string) error { return nil }

func main() { module.Main(service{}) }
