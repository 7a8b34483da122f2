//go:build clk

package baremetal

// divide computes 1/0 with DIV in assembly, where no Go check comes first
// (divide_clk_amd64.s): a CPU divide error on purpose.
func divide() uint64
