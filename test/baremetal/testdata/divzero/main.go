// Command divzero is a kernel that divides by zero in assembly, where no
// Go check can catch it first, to show the CPU exception report.
package main

// The architecture package adds the disassembled instruction to the report.
import _ "clk/arch/x86_64"

func divide() uint64

func main() {
	println("divzero: dividing by zero")
	println(divide())
}
