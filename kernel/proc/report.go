package proc

import (
	"fmt"
	"io"
	"strings"
)

// traceFrames bounds the user stack trace of a fault report.
const traceFrames = 16

// die kills the process for the fault tr the thread just took (what
// describes it) and writes the report to the process's console.
func (t *thread) die(what string, tr Trap) {
	p := t.p
	if _, ended := p.obj.ExitStatus(); ended {
		// The process is ending already: killed, or exited by another
		// thread. A fault on the way out (in a device's memory its
		// released handles took back, say) is not why it died, and a
		// report would hide the reason that is.
		return
	}
	report := t.report(what, tr)
	p.Kill(report)
	if w := p.obj.Console(); w != nil {
		io.WriteString(w, report)
	}
}

// report describes the fault: the process, the thread, where it was (with
// the function, from the image's symbols) and its user stack.
func (t *thread) report(what string, tr Trap) string {
	p := t.p
	r := &t.regs
	var b strings.Builder
	fmt.Fprintf(&b, "process %d (%s) killed: %s\n", p.PID(), p.Name(), what)
	fmt.Fprintf(&b, "  thread %d at rip %#x", t.id, r.RIP)
	if name, off, ok := p.image.Symbolize(r.RIP); ok {
		fmt.Fprintf(&b, " (%s+%#x)", name, off)
	}
	fmt.Fprintf(&b, " rsp %#x error code %#x\n  user stack:\n", r.RSP, tr.ErrCode)
	for _, f := range StackTrace(p.space, p.image, r.RIP, r.RBP, traceFrames) {
		fmt.Fprintf(&b, "    %v\n", f)
	}
	return b.String()
}

// The x86-64 exception vectors a user thread can take (Intel SDM vol. 3A,
// 6.3.1, table 6-1), as Trap.Vector gives them.
const (
	vecDivide      = 0
	vecDebug       = 1
	vecBreakpoint  = 3
	vecInvalidOp   = 6
	vecGeneralProt = 13
	vecFPU         = 16
	vecAlignment   = 17
	vecSIMD        = 19
)

// exceptionName describes a CPU exception a user thread took.
func exceptionName(v uint64) string {
	switch v {
	case vecDivide:
		return "divide error (#DE)"
	case vecDebug:
		return "debug trap (#DB)"
	case vecBreakpoint:
		return "breakpoint (#BP)"
	case vecInvalidOp:
		return "invalid opcode (#UD)"
	case vecGeneralProt:
		return "general protection fault (#GP): a privileged instruction or a non-canonical address"
	case vecFPU:
		return "x87 floating-point error (#MF)"
	case vecAlignment:
		return "alignment check (#AC)"
	case vecSIMD:
		return "SIMD floating-point exception (#XM)"
	}
	return fmt.Sprintf("exception %d", v)
}
