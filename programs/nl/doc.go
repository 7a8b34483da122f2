// Nl numbers the lines of its input: it reads the pipeline's input from
// its mailbox, as the shell's run sends it, and sends each line back
// numbered, so that what it prints depends on every batch having reached
// it in order. The system tests run it inside pipelines.
//
// Usage:
//
//	seq 1 3 | run nl
//
// Each line comes back on the mailbox as "N LINE" (N counts from 1). At
// the end of the input nl prints, on its console,
//
//	nl: N lines in B batches
//
// and exits with status 0. A mailbox that closes without the end of the
// input, or a message of another type, ends it with status 1.
package main
