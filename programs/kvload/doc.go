// Kvload is a client of the kv module's service under load: it appends
// sequence numbers one-way, without pause, to keys of 4096 numbers each
// (PREFIX/0, PREFIX/1, ...; PREFIX is load unless given), until its input
// ends; then it reads the keys back and checks that every number it sent
// is there once and in order, whatever replacements of the module
// happened meanwhile. An input line "count" prints how many it has sent.
//
// Usage (the kv channel comes from run -s kv):
//
//	spawn run -s kv kvload [PREFIX]
//	run -s kv kvload -fill BYTES
//
// -fill puts BYTES of values into keys fill/0, fill/1, ... of 32 KiB each
// and exits: state for make bench-modules to hand over.
//
// Its last line is the verdict,
//
//	kvload: N appended, N read back: 0 lost, 0 duplicated, 0 reordered
//
// and its exit status 1 when a number is lost, duplicated or reordered,
// or a request fails.
package main
