#include "textflag.h"

// parkThread is where the threads of threadstorm start, in ring 3 with
// every register zero but RSP and RDI (thread_create's arg): DI points at
// a parking word, a uint32, followed by the number of futex_wait as a
// uint64 at offset 8. The thread waits on the word for ever, calling
// futex_wait again whenever it returns. It uses no stack and never
// returns; the process's end stops it.
TEXT ·parkThread(SB),NOSPLIT|NOFRAME,$0
	MOVQ	DI, R12
again:
	MOVQ	8(R12), AX	// futex_wait
	MOVQ	R12, DI		// the word
	XORQ	SI, SI		// while it holds 0
	MOVQ	$-1, DX		// deadline: never
	SYSCALL
	JMP	again

// parkThreadPC holds parkThread's own entry address: a Go func value
// would name a wrapper that expects a goroutine, which a new thread lacks.
DATA	·parkThreadPC+0(SB)/8, $·parkThread(SB)
GLOBL	·parkThreadPC(SB), RODATA, $8
