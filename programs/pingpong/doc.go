// Pingpong checks and times round trips between two processes over a
// channel.
//
// Usage:
//
//	pingpong [N]
//	pingpong child
//
// The parent creates a channel, spawns "pingpong child" with one endpoint,
// and sends N numbered messages (default 100000), each an 8-byte
// little-endian number; the child answers each with the number plus one.
// The parent checks every answer and prints
//
//	pingpong: N round trips ok in X ms (Y ns each)
//
// It exits with status 1 at the first wrong or missing answer, 2 on bad
// usage. The child ends when the parent closes its endpoint.
package main
