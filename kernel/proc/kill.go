package proc

// Kill ends the process with reason as its report (the first reason
// given is kept). Threads in ring 3 stop at their next return to the
// kernel (a tick at the latest), threads in a syscall as soon as it
// returns: Dying closes, which ends every blocked call. The processes it
// spawned go on, as a Unix process's children outlive it. Killing a
// process that has ended, or killing it again, changes nothing.
func (p *Process) Kill(reason string) {
	p.mu.Lock()
	// The report is set with p.mu held across the exit, so that no
	// thread can stop and end the process (thread.stopped takes p.mu)
	// between the two, and Wait never sees this kill without its report.
	if p.obj.Exit(killedStatus) {
		p.report = reason
	}
	p.mu.Unlock()
	p.beginEnd()
}

// KillTree is Kill for the process and every process it spawned, at any
// depth: what the shell does to a job.
func (p *Process) KillTree(reason string) {
	p.mu.Lock()
	if p.treeKilled == "" {
		p.treeKilled = reason
	}
	children := p.children
	p.children = nil
	p.mu.Unlock()
	p.Kill(reason)
	for _, c := range children {
		c.KillTree(reason)
	}
}

// beginEnd starts the end of a process whose object has ended (Exit):
// Dying closes and every futex wait ends. The threads then stop, and the
// last one frees the process (thread.stopped).
func (p *Process) beginEnd() {
	p.endOnce.Do(func() {
		close(p.dying)
		p.futex.Close()
	})
}
