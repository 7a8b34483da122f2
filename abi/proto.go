package abi

// Message protocols that programs share with the kernel and the shell.
//
// A program started by the shell's run gets a mailbox channel as its first
// handle (the first value of HandlesEnv). Both ends speak the line
// protocol: the shell sends the pipeline's input as MsgLines batches and
// MsgEOF at its end; whatever the program sends as MsgLines goes down the
// pipeline, as its console output does.
const (
	// MsgLines carries a batch of whole lines, each ending in '\n', at
	// most MaxData bytes.
	MsgLines = 1
	// MsgEOF ends the input; it carries no data.
	MsgEOF = 2
)
