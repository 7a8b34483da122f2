#!/usr/bin/env bash
# linux-guest.sh prepares a Linux guest for comparisons with clk under the
# same QEMU command line: Debian's cloud kernel, and an initramfs whose /init
# is one static program.
#
#   linux-guest.sh kernel               print the path of the cached vmlinuz,
#                                       fetching it first when missing
#   linux-guest.sh initramfs PROG OUT [MODULE...]
#                                       write OUT, a newc cpio archive holding
#                                       PROG as /init and the kernel modules
#                                       named, with those they depend on, in
#                                       /modules
#
# The kernel is the one Debian's linux-image-cloud-amd64 depends on
# (linux-image-VERSION-cloud-amd64): apt-get download fetches that package
# and dpkg-deb unpacks it; boot/vmlinuz-* is kept in
# $CLK_CACHE/linux/VERSION/vmlinuz (CLK_CACHE defaults to ~/.cache/clk), and
# its modules (lib/modules/VERSION) in $CLK_CACHE/linux/VERSION/modules. The
# cloud flavour has the 8250 serial console and the ACPI power-off built in,
# which is all a program as /init needs: console=ttyS0 carries its output and
# reboot(2) with LINUX_REBOOT_CMD_POWER_OFF ends QEMU. Its virtio drivers
# and file systems are modules (CONFIG_VIRTIO_PCI=m, CONFIG_VIRTIO_BLK=m,
# CONFIG_VIRTIO_NET=m, CONFIG_VFAT_FS=m): a program that needs them names
# them, and loads the files of /modules in the order of their names
# (NNN-NAME.ko, each after those it depends on, as the depends= field of the
# module's .modinfo section says). The package ships no modules.dep (depmod
# makes it when the package is installed), hence that field. Compressed
# modules (.ko.xz, .ko.zst, .ko.gz) are uncompressed on the host, since
# finit_module is then given plain ones.
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
	# A cache made before the modules were kept has only the vmlinuz:
	# fetched again.
	if [ -f "$dir/vmlinuz" ] && [ -f "$dir/modules/modules.order" ]; then
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
	local modules
	modules=$(find "$tmp/root/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)
	[ -n "$modules" ] && [ -f "$modules/modules.order" ] || die "$pkg has no lib/modules/VERSION/modules.order"
	mkdir -p "$dir"
	rm -rf "$dir/modules"
	mv "$modules" "$dir/modules"
	cp "$vmlinuz" "$dir/vmlinuz.new"
	mv "$dir/vmlinuz.new" "$dir/vmlinuz"
	printf '%s\n' "$dir/vmlinuz"
}

# module_file prints the file of module NAME under the modules tree $1
# (a module's name has _ where its file's may have -).
module_file() {
	local tree=$1 name=${2//-/_} f base
	while IFS= read -r f; do
		base=${f##*/}
		base=${base%%.ko*}
		if [ "${base//-/_}" = "$name" ]; then
			printf '%s\n' "$f"
			return
		fi
	done < <(find "$tree/kernel" -name '*.ko' -o -name '*.ko.*')
	die "no module $2 in $tree"
}

# plain_module writes module file $1 to $2 uncompressed.
plain_module() {
	case $1 in
	*.ko) cp "$1" "$2" ;;
	*.ko.xz) command -v xz >/dev/null 2>&1 || die "xz not found (Debian package xz-utils)"; xz -dc "$1" >"$2" ;;
	*.ko.zst) command -v zstd >/dev/null 2>&1 || die "zstd not found (Debian package zstd)"; zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*) die "$1: not a module file" ;;
	esac
}

# module_depends prints the names module file $1 (uncompressed) depends
# on, one a line, from the depends= string of its .modinfo section.
module_depends() {
	command -v objcopy >/dev/null 2>&1 || die "objcopy not found (scripts/deps.sh installs binutils)"
	local info
	info=$(mktemp "${TMPDIR:-/tmp}/modinfo.XXXXXX")
	objcopy -O binary --only-section=.modinfo "$1" "$info" || {
		rm -f "$info"
		die "$1: no .modinfo section"
	}
	tr '\0' '\n' <"$info" | sed -n 's/^depends=//p' | tr ',' '\n' | sed '/^$/d'
	rm -f "$info"
}

# add_module puts module $2 of tree $1 into directory $3 after the modules
# it depends on, each once; loaded counts the files written.
declare -A added=()
loaded=0
add_module() {
	local tree=$1 name=${2//-/_} out=$3 file plain dep
	[ -n "${added[$name]:-}" ] && return
	added[$name]=1
	file=$(module_file "$tree" "$name")
	plain="$out/.$name.ko"
	plain_module "$file" "$plain"
	while IFS= read -r dep; do
		add_module "$tree" "$dep" "$out"
	done < <(module_depends "$plain")
	mv "$plain" "$(printf '%s/%03d-%s.ko' "$out" "$loaded" "$name")"
	loaded=$((loaded + 1))
}

initramfs() {
	[ $# -ge 2 ] || die "usage: $prog initramfs PROG OUT [MODULE...]"
	local program=$1 out=$2 stage tree m
	shift 2
	[ -f "$program" ] || die "$program: no such file"
	command -v cpio >/dev/null 2>&1 || die "cpio not found (scripts/deps.sh installs it)"
	stage=$(mktemp -d "${TMPDIR:-/tmp}/linux-guest.XXXXXX")
	# shellcheck disable=SC2064 # expand stage now
	trap "rm -rf '$stage'" EXIT
	cp "$program" "$stage/init"
	chmod 0755 "$stage/init"
	if [ $# -gt 0 ]; then
		tree="$(dirname "$(kernel)")/modules"
		mkdir "$stage/modules"
		for m in "$@"; do
			add_module "$tree" "$m" "$stage/modules"
		done
	fi
	(cd "$stage" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.new"
	mv "$out.new" "$out"
}

case ${1:-} in
kernel) kernel ;;
initramfs)
	shift
	initramfs "$@"
	;;
*) die "usage: $prog kernel | initramfs PROG OUT [MODULE...]" ;;
esac
