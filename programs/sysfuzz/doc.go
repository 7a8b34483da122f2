// Sysfuzz issues random syscalls with random arguments, to show that no
// input makes the kernel fail.
//
// Usage:
//
//	sysfuzz N [seed]
//
// It makes N calls with random numbers, out-of-range ones included, and
// arguments drawn from small integers, its own handle values, random 64-bit
// values, pointers into its own buffers (sometimes to well-formed message
// descriptors, wait items, schemas and handle arrays it has just written
// there), into the kernel image at 0x100000 and the kernel half, into
// unmapped user space below the program's image, around the top of the
// user range (0x7fff_ffff_f000) and into non-canonical space. It prints progress every N/10 calls and finally
//
//	sysfuzz: N calls done (OK n, EINVAL n, ...)
//
// with the number of calls that returned each status. The seed (random
// unless given) is printed first, so that a run can be repeated.
//
// It never calls process_exit or thread_exit, gives waiting calls a
// deadline of at most 2 ms, and keeps the calls that could destroy its
// own state harmless: vm_unmap only ever names memory it does not use,
// thread_create and thread_set_fs only addresses the kernel must refuse,
// and console_write writes nothing, so that the console stays readable.
// Whatever kills it is the kernel's doing.
package main
