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

// The fetch protocol: how a ring-3 fetcher (programs/modfetch) hands the
// kernel a file it downloaded, on a channel that is the fetcher's first
// startup handle. The fetcher only writes:
//
//	MsgFetchData   the next bytes of the body, at most MaxData
//	MsgFetchEnd    the body is complete; no data
//	MsgFetchFailed the fetch failed; a FetchCause byte, then the reason
//	               in text
//
// The kernel counts the bytes itself and keeps its own deadline: the
// fetcher's limits are a courtesy, not what it relies on.
const (
	MsgFetchData   = 3
	MsgFetchEnd    = 4
	MsgFetchFailed = 5
)

// FetchCause is why a fetch failed, the first byte of MsgFetchFailed.
type FetchCause uint8

// The causes of a failed fetch.
const (
	FetchOther    FetchCause = 0 // anything else: the text says what
	FetchRefused  FetchCause = 1 // the server refused the connection
	FetchStatus   FetchCause = 2 // the server answered with a status other than 200
	FetchTooLarge FetchCause = 3 // the body is longer than the limit
	FetchTimeout  FetchCause = 4 // the fetch took longer than its time
	FetchBadURL   FetchCause = 5 // the URL is not an http:// URL the fetcher takes
)
