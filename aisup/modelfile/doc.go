// Package modelfile is the signed file that carries a supervisor model's
// weights: an envelope naming the kind of model (n-gram or classifier),
// the module it is of and when it was trained, the model's own encoding,
// and ed25519 signatures over all of it. Verify refuses a file no trusted
// key signed and a file whose bytes changed after a trusted key signed
// it, so tampered weights are never decoded, let alone used.
//
// The trusted keys are given by the caller: the supervisor module will
// take them from its own signed configuration, so a model is vouched for
// by the same chain as the module that loads it. The envelope is this
// package's rather than modstore's module file, which carries an ELF and
// a manifest a model has no use for; its rules are the same (a context
// string per kind of signed object, bounded lengths, one encoding).
//
// The package imports only the standard library and the model packages,
// and holds no state.
package modelfile
