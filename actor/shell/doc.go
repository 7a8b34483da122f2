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
// and stack; the shell and its other jobs carry on. Jobs are numbered when
// they go to the background, from 1, the smallest number free.
//
// spawn, send, recv and close give the actor API to a person at the
// prompt. "spawn wc -l" starts the command (or a program of /bin, as run
// would) as a background job of one actor and prints "[JOB] ACTOR". "send
// JOB TEXT" puts the text, as one line, in that actor's mailbox; "close
// JOB" closes the mailbox, so the command sees the end of its input. What
// the command prints waits in the job's outbox, a bounded queue of lines
// (the command waits when it is full), until "recv JOB [TIMEOUT]" takes
// the next line, waiting up to TIMEOUT. Once the actor has exited and its
// output is all taken, recv fails with io.EOF and the job leaves the
// table; kill %JOB drops it at once. A spawned job is listed by jobs with
// the lines waiting in its outbox; fg refuses it, and it is not reported
// when it ends, since its output is still to be read. The kinds of thing
// spawn can start are a list (spawnKinds) that a new kind joins.
//
// The shell reaches the machine only through System, which the kernel
// implements, so the package imports nothing of the kernel and runs on the
// host as well as on clk.
package shell
