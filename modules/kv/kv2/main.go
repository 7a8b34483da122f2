// Command kv2 is version 2 of the kv module (package clk/modules/kv),
// which counts each key's writes and imports version 1's state.
package main

import (
	"clk/modules/kv"
	"clk/sdk/module"
)

func main() { module.Main(kv.New(2)) }
