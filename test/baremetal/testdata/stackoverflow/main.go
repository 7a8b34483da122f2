// Command stackoverflow is a kernel whose goroutine recurses without end, to
// show that the runtime catches the overflow as it does on Linux: the stack
// grows until it would pass the limit, then Go's "goroutine stack exceeds"
// fatal error ends the machine with status 2.
//
// The limit is lowered to 64 MiB with debug.SetMaxStack so that the stack
// stays well inside the guest's memory; at the default 1 GB a 512 MiB
// machine would run out of memory first, on Linux too.
package main

import "runtime/debug"

const maxStack = 64 << 20

// recurse calls itself forever; the frame's array makes each call use a
// good deal of stack, and using it keeps the compiler from dropping it.
func recurse(n int) int {
	var frame [64]int
	frame[n%len(frame)] = n
	return recurse(n+1) + frame[(n+1)%len(frame)]
}

func main() {
	debug.SetMaxStack(maxStack)
	println("stackoverflow: recursing in a goroutine")
	done := make(chan int)
	go func() { done <- recurse(0) }()
	println(<-done)
}
