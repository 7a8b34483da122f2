// Command modules measures the kernel's module manager under QEMU: the
// latency of installing a signed module (mod install at the prompt: the
// file read from the initrd, its signatures and hash checked, its version
// recorded), and of replacing kv by the same version with 1 KiB and with
// 1 MiB of state, as the time the clients are held, from the manager's
// quiesce to the switch, which the manager writes in each replace record
// of the audit log with its parts (quiesce, export, import, switch),
// and after the hold the probation, during which the new instance
// serves, and how long before the hold the new process was running. Its state comes from programs/kvload -fill. It prints p50
// and p99 of each and never fails on time; it fails only when the guest
// does not answer or a command fails.
//
// Usage:
//
//	go run ./bench/modules [-elf build/clk.elf] [-initrd build/initrd.cpio] [-runs 20]
//
// make bench-modules runs it on the build artefacts.
package main
