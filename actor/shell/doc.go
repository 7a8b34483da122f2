// Package shell is clk's command shell: a line editor with history and
// completion on a terminal in raw mode, a parser for pipelines, and
// commands that each run as an actor.
//
// A line such as "seq 1 100 | grep 7 | wc -l" starts one actor per stage.
// Stages pass lines in batches of at most BatchLines through bounded
// mailboxes (MailboxDepth batches): a stage that sends to a full mailbox
// waits, so a fast producer runs no further ahead than its consumer allows.
// The end of a stage's output closes the next stage's input; a stage that
// ends early (head) makes the stage before it stop at its next send. The
// last stage writes to the terminal, or to a file: "a | b > f" truncates
// f and ">> f" appends to it, through the System's Writable side, which
// cp, mv, rm, mkdir and df also need.
//
// The shell reads the terminal in its own goroutine, so that while a
// foreground job runs it still sees Ctrl-C, which stops every actor of the
// job. "cmd &" runs a job in the background; jobs, fg and kill manage jobs
// and actors; ps lists the actors. A command that panics prints its reason
// and stack; the shell and its other jobs carry on.
//
// The shell reaches the machine only through System, which the kernel
// implements, so the package imports nothing of the kernel and runs on the
// host as well as on clk.
package shell
