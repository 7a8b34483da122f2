#!/usr/bin/env bash
# deps.sh installs the Debian packages that building, booting and testing clk
# need: QEMU, GRUB for BIOS and UEFI with grub-mkrescue's helpers (xorriso,
# mtools), dosfstools (tests check the FAT32 volumes clk writes with fsck.fat), the OVMF firmware, make, patch (the toolchain build applies
# rt/upstream.patch), cpio (the exec wrapper packs a test's files), CA certificates (the Go module proxy is reached over
# HTTPS) and binutils (the system-test harness assembles its stand-in kernel,
# test/system/testdata, and scripts/linux-guest.sh reads kernel modules'
# dependencies with objcopy), gcc (go test -race needs cgo), nasm (it
# assembles the raw disk image's boot loader, image/boot) and gdb (make gdb
# and the debugging system tests; Delve is a Go module, which the Makefile
# installs). Go itself is
# not a Debian package here: see README.
#
# It checks for one command or file per package and runs apt-get only when
# something is missing, so it is silent and fast on a machine that has
# everything. It uses sudo only when not running as root.
set -euo pipefail

# Each line: package, then the command or absolute path that shows it is there.
needs='qemu-system-x86 qemu-system-x86_64
grub-common grub-mkrescue
grub-pc-bin /usr/lib/grub/i386-pc/modinfo.sh
grub-efi-amd64-bin /usr/lib/grub/x86_64-efi/modinfo.sh
xorriso xorriso
mtools mformat
dosfstools /usr/sbin/fsck.fat
binutils ld
gcc gcc
nasm nasm
gdb gdb
ovmf /usr/share/OVMF/OVMF_CODE_4M.fd
make make
patch patch
cpio cpio
ca-certificates /etc/ssl/certs/ca-certificates.crt'

missing=()
while read -r pkg probe; do
	case $probe in
	/*) [ -e "$probe" ] && continue ;;
	*) command -v "$probe" >/dev/null 2>&1 && continue ;;
	esac
	missing+=("$pkg")
done <<<"$needs"

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: apt-get not found; install these packages by hand: ${missing[*]}" >&2
	exit 1
fi
run=(env DEBIAN_FRONTEND=noninteractive)
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: not root and sudo is missing; install as root: ${missing[*]}" >&2
		exit 1
	}
	run=(sudo "${run[@]}")
fi
"${run[@]}" apt-get update -qq >&2
"${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
