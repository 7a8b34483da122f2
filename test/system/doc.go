// Package system holds clk's system tests: they boot the build artefacts in
// QEMU (through clk/internal/qemu) and drive them over the serial console,
// the PS/2 keyboard and the VGA screen the way a person at a terminal would.
// It has no code outside its tests.
//
// The system tests run against the artefacts named by environment variables,
// and are skipped when they are unset (make test-system sets them):
//
//	CLK_SYSTEST_ELF     build/clk.elf, booted through its PVH note (QEMU -kernel)
//	CLK_SYSTEST_ISO     build/clk.iso, booted by GRUB from BIOS, and from UEFI
//	                    when the OVMF firmware is installed
//	CLK_SYSTEST_INITRD  build/initrd.cpio, with the ring-3 programs of programs/
//	CLK_SYSTEST_IMG     build/clk.img, booted by clk's own BIOS loader, and
//	                    chainloaded by GRUB
//
// The same shell session also runs against a stand-in kernel assembled from
// testdata/fakekernel.S, and so does the go test -exec wrapper
// (scripts/go_clk_amd64_exec), so that the harness, image/grub.cfg and the
// wrapper are tested on any host with QEMU and binutils, whatever the state
// of the real kernel.
package system
