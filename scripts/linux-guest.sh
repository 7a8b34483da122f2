#!/usr/bin/env bash
# linux-guest.sh prepares a Linux guest for comparisons with clk under the
# same QEMU command line: Debian's cloud kernel, and an initramfs whose /init
# is one static program.
#
#   linux-guest.sh kernel               print the path of the cached vmlinuz,
#                                       fetching it first when missing
#   linux-guest.sh initramfs PROG OUT   write OUT, a newc cpio archive holding
#                                       PROG as /init
#
# The kernel is the one Debian's linux-image-cloud-amd64 depends on
# (linux-image-VERSION-cloud-amd64): apt-get download fetches that package
# and dpkg-deb unpacks it; only boot/vmlinuz-* is kept, in
# $CLK_CACHE/linux/VERSION/vmlinuz (CLK_CACHE defaults to ~/.cache/clk). The
# cloud flavour has the 8250 serial console and the ACPI power-off built in,
# which is all a program as /init needs: console=ttyS0 carries its output and
# reboot(2) with LINUX_REBOOT_CMD_POWER_OFF ends QEMU.
#
# The archive needs no /dev/console: the kernel unpacks its built-in archive
# (which has that node) before the initramfs it is given.
set -euo pipefail

prog=linux-guest.sh
die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

cache=${CLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clk}

# kernel_package prints the name of the concrete kernel package behind the
# linux-image-cloud-amd64 metapackage.
kernel_package() {
	command -v apt-cache >/dev/null 2>&1 || die "apt-cache not found: a Debian machine is needed to fetch the kernel"
	local pkg
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' | head -n1)
	[ -n "$pkg" ] || die "apt-cache knows no linux-image-cloud-amd64 (run apt-get update)"
	printf '%s\n' "$pkg"
}

kernel() {
	local pkg dir tmp deb
	pkg=$(kernel_package)
	dir="$cache/linux/${pkg#linux-image-}"
	if [ -f "$dir/vmlinuz" ]; then
		printf '%s\n' "$dir/vmlinuz"
		return
	fi
	command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found"
	mkdir -p "$cache/linux"
	tmp=$(mktemp -d "$cache/linux/fetch.XXXXXX")
	# apt-get run by root downloads as the _apt user, which must enter it.
	chmod 0755 "$tmp"
	# shellcheck disable=SC2064 # expand tmp now
	trap "rm -rf '$tmp'" EXIT
	printf '%s: fetching %s\n' "$prog" "$pkg" >&2
	(cd "$tmp" && apt-get download -qq "$pkg" >&2) ||
		die "apt-get download $pkg failed (run apt-get update?)"
	deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n1)
	[ -n "$deb" ] || die "apt-get download $pkg left no .deb"
	dpkg-deb -x "$deb" "$tmp/root"
	local vmlinuz
	vmlinuz=$(find "$tmp/root/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
	[ -n "$vmlinuz" ] || die "$pkg has no boot/vmlinuz-*"
	mkdir -p "$dir"
	cp "$vmlinuz" "$dir/vmlinuz.new"
	mv "$dir/vmlinuz.new" "$dir/vmlinuz"
	printf '%s\n' "$dir/vmlinuz"
}

initramfs() {
	[ $# -eq 2 ] || die "usage: $prog initramfs PROG OUT"
	local program=$1 out=$2 stage
	[ -f "$program" ] || die "$program: no such file"
	command -v cpio >/dev/null 2>&1 || die "cpio not found (scripts/deps.sh installs it)"
	stage=$(mktemp -d "${TMPDIR:-/tmp}/linux-guest.XXXXXX")
	# shellcheck disable=SC2064 # expand stage now
	trap "rm -rf '$stage'" EXIT
	cp "$program" "$stage/init"
	chmod 0755 "$stage/init"
	(cd "$stage" && printf 'init\n' | cpio -o -H newc -R 0:0 --quiet) >"$out.new"
	mv "$out.new" "$out"
}

case ${1:-} in
kernel) kernel ;;
initramfs)
	shift
	initramfs "$@"
	;;
*) die "usage: $prog kernel | initramfs PROG OUT" ;;
esac
