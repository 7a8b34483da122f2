package main

// The forbidden instructions (probe_amd64.s).

// cli executes CLI.
func cli()

// hlt executes HLT.
func hlt()

// wrmsr executes WRMSR, writing value to register msr.
func wrmsr(msr uint32, value uint64)

// callAddr calls the code at addr.
func callAddr(addr uintptr)

// divideByZero executes DIV with a divisor of zero, where no Go check
// comes first.
func divideByZero() uint64
