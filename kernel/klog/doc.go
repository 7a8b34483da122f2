// Package klog is the kernel log: a ring buffer of the last lines that the
// kernel wrote about itself (boot steps, drivers found, errors), which the
// shell's dmesg prints. Each line is stamped with the time since the
// machine started. A Log may also copy what it is given to the console, so
// that boot messages are both seen and kept.
//
// A Log is safe for concurrent use; its methods take its one mutex.
package klog
