// Command ipc compares clk with Linux on the two costs that bound
// message passing between processes: a null system call, and a round trip
// of one byte between two processes over a channel (on Linux, a pair of
// pipes). make bench-ipc builds its inputs and runs it.
//
// It boots each system under the same QEMU command line (clk/internal/qemu's,
// -M pc, the memory and accelerator of CLK_QEMU_MEM and CLK_QEMU_ACCEL, -smp
// from its flag), one after the other, -runs times each, through the
// harness the runtime benchmark shares (clk/bench/vslinux):
//
//   - clk through its PVH note, with its initrd and the command line
//     clk.run=ipcbench, which makes the kernel run the ring-3 program
//     ipcbench (programs/ipcbench) from the initrd and power off through
//     isa-debug-exit when it ends (QEMU exit status 1);
//   - Debian's cloud kernel (scripts/linux-guest.sh) with an initramfs whose
//     /init is ./linuxguest built for GOOS=linux, which powers the machine
//     off when done (QEMU exit status 0).
//
// Both programs print lines of the same form on the serial console, the
// figures by the guest's own clock:
//
//	BENCH null-syscall ITERATIONS NS_PER_OP
//	BENCH channel-roundtrip ITERATIONS NS_PER_OP
//	BENCH done
//
// For each benchmark it keeps the fastest figure of each system over the
// boots and prints a table of them with the ratio of clk's time to Linux's,
// headed "clk time / Linux time" and each followed by "(clk faster)" or
// "(clk slower)", lower being better for clk, and whether it meets
// the goal of at most 0.5 on each. It reports figures only: it never fails because of a
// time. It exits with status 1 when a guest does not print all its lines
// (it boots a guest that failed once no more, prints the table with the
// figures it has and names the guest), and with status 2 for bad flags or
// missing files. A clk kernel that starts its shell rather than the program
// is reported as soon as its prompt appears.
//
// Usage:
//
//	go run ./bench/ipc -linux-kernel vmlinuz [-linux-initrd build/ipcbench/initramfs.cpio]
//		[-clk build/clk.elf] [-clk-initrd build/initrd.cpio] [-runs 2] [-smp 1] [-timeout 5m]
//
// Every QEMU has a deadline, -timeout, and is killed when this program ends.
package main
