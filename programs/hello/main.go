package main

import (
	"fmt"
	"os"

	"clk/sdk"
)

func main() {
	fmt.Fprintf(sdk.Console, "hello from ring 3, pid %d\n", sdk.Self())
	fmt.Fprintf(sdk.Console, "hello: %d args: %q\n", len(os.Args), os.Args)
	sdk.Exit(0)
}
