// Command clkexec boots a GOOS=clk binary in QEMU and passes on its console
// and exit status. scripts/go_clk_amd64_exec, which go run and go test call
// for GOOS=clk GOARCH=amd64 binaries (scripts/clk-go puts it on PATH), builds
// it with the host's Go when its sources changed and runs it:
//
//	go_clk_amd64_exec BINARY [ARGS...]
//
// It passes ARGS to the guest, copies the guest's serial console to stdout
// without the CRs of its CRLF line endings, and exits with the status the
// guest wrote to isa-debug-exit. The QEMU command line is clk/internal/qemu's.
//
// The guest's arguments and environment travel on the kernel command line as
// space-separated, percent-encoded tokens: the environment assignments, the
// token "--", then argv with argv[0] = the binary's base name. The "--" is
// always present, so arguments that are themselves "--" stay arguments.
// GOTRACEBACK and GODEBUG are passed when set, and so is every variable that
// CLK_EXEC_ENV names (a space-separated list of names).
//
// The guest's files: the working directory's files and its testdata tree,
// and the testdata trees of its parents up to the module's root (the
// standard library's tests read src/testdata), at their absolute paths, in
// a newc cpio archive passed as the initrd; in a Go tree, lib/time's
// zoneinfo.zip goes along too. Package syscall mounts it read-only at
// start-up, and the working directory goes along as PWD, so a test binary
// that go test runs in its package directory reads testdata as on Linux.
//
// Settings (environment):
//
//	CLK_QEMU          QEMU binary (default qemu-system-x86_64)
//	CLK_QEMU_MEM      guest memory (default 512M)
//	CLK_SMP           guest CPUs (default 1)
//	CLK_QEMU_ACCEL    QEMU accelerator (default tcg; kvm where it works)
//	CLK_QEMU_ARGS     extra QEMU arguments, split at spaces (e.g. "-s -S")
//	CLK_QEMU_D        QEMU's log items (-d) for qemu.log (default cpu_reset,guest_errors)
//	CLK_EXEC_TIMEOUT  seconds before QEMU is killed (default 600)
//	CLK_EXEC_ENV      names of extra variables to pass to the guest
//	CLK_EXEC_FILES    0: do not give the guest the working directory's files
//	CLK_EVIDENCE_DIR  where evidence of a failed boot is kept (default
//	                  clk-evidence in the system's temporary directory)
//
// Exit status: the guest's status (0-127: QEMU reports (status << 1) | 1 and
// a process status has 8 bits); 124 on timeout; 125 when the guest stopped
// without reporting a status (ACPI power-off, or a triple fault, which
// -no-reboot turns into a stop) or QEMU failed; 127 when QEMU or cpio is
// missing; 2 for bad arguments or settings; 128+N when it was ended by
// signal N (SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM). QEMU never outlives
// it: it is killed on exit, on those signals and, by Linux's parent-death
// signal, even when this program is killed with SIGKILL.
//
// Evidence: when the guest stops without a status, on timeout and on SIGQUIT
// (what go test sends when a test binary runs past its -timeout), it keeps
// in a new directory under CLK_EVIDENCE_DIR, whose name it prints: QEMU's
// cpu_reset and guest_errors log (qemu.log), the last 100 lines of the
// console (console-tail.txt), every CPU's registers from the monitor
// (registers.txt: QEMU pauses a stopping guest rather than exiting, and is
// asked through QMP, as it is when still running at a timeout), each CPU's
// call stack followed through its frame pointers and named from the test
// binary's symbols (backtraces.txt), QEMU's
// standard error and its command line; and it prints a short summary on
// standard error. Nothing is kept when the guest reports a status.
package main
