// Command kv1 is version 1 of the kv module (package clk/modules/kv).
package main

import (
	"clk/modules/kv"
	"clk/sdk/module"
)

func main() { module.Main(kv.New(1)) }
