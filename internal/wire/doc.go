// Package wire reads the little-endian binary formats that clk's signed
// files share (modules and trust documents in modstore, audit records in
// kernel/audit): a Decoder over a byte string whose reads past the end
// return zeros and set Short, so that a parser makes a run of reads and
// checks once. It imports only the standard library, so that packages
// of every layer (the kernel's and the host tools') can use it.
package wire
