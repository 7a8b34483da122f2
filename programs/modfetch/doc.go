// Modfetch downloads a module file over HTTP for the kernel: mod install
// URL and mod replace NAME URL start it, so that the HTTP client, and
// every byte of the server's answer it parses, runs in ring 3 and not in
// the kernel. It is not a command for the prompt (fetch is).
//
// Usage (the kernel's):
//
//	modfetch URL LIMIT TIMEOUT
//
// Its first startup handle is a channel to the kernel, on which it only
// writes, in the fetch protocol of abi/proto.go: the body as
// MsgFetchData pieces and MsgFetchEnd, or MsgFetchFailed with the cause
// (connection refused, an HTTP status other than 200, a redirect
// included, a body longer than LIMIT bytes, no complete answer within
// TIMEOUT, a URL that is not http://) and the reason in text. Its package net reaches the network
// service through the channel the kernel gives it (CLK_NET); it has no
// file system. The kernel counts the bytes and keeps its own deadline
// too, and kills the fetcher when that passes.
package main
