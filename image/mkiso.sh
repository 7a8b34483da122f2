#!/usr/bin/env bash
# mkiso.sh KERNEL OUTPUT [INITRD] writes a hybrid BIOS+UEFI ISO that boots
# KERNEL through GRUB's multiboot2 command (configuration: image/grub.cfg),
# with INITRD, a newc cpio archive, as its multiboot2 module if given.
#
# grub-mkrescue puts in every GRUB platform installed: grub-pc-bin gives the
# BIOS (El Torito and hard-disk MBR) boot, grub-efi-amd64-bin the UEFI one.
# Without the latter the image boots from BIOS only, so that is an error here.
set -euo pipefail

[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: $0 KERNEL OUTPUT [INITRD]" >&2; exit 2; }
kernel=$1
out=$2
initrd=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for platform in i386-pc x86_64-efi; do
	[ -d "/usr/lib/grub/$platform" ] || {
		echo "mkiso: GRUB for $platform is missing (scripts/deps.sh installs it)" >&2
		exit 1
	}
done

mkdir -p "$(dirname "$out")"
tree=$(mktemp -d "${TMPDIR:-/tmp}/clk-iso.XXXXXX")
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub"
cp "$kernel" "$tree/boot/clk.elf"
cp "$here/grub.cfg" "$tree/boot/grub/grub.cfg"
if [ -n "$initrd" ]; then
	cp "$initrd" "$tree/boot/initrd.cpio"
	sed -i 's|^\(\s*\)multiboot2 /boot/clk.elf$|&\n\1module2 /boot/initrd.cpio|' "$tree/boot/grub/grub.cfg"
	grep -q 'module2 /boot/initrd.cpio' "$tree/boot/grub/grub.cfg" || {
		echo "mkiso: no 'multiboot2 /boot/clk.elf' line in grub.cfg to add the initrd to" >&2
		exit 1
	}
fi

# With SOURCE_DATE_EPOCH set, the image's bytes depend only on its inputs.
# grub-mkrescue takes the time from the clock for the volume's date and the
# UUID its GRUB searches for, and mtools for the dates in the EFI system
# partition: faketime stops the clock at SOURCE_DATE_EPOCH for all of them.
# xorriso reads SOURCE_DATE_EPOCH itself (volume dates, GPT GUIDs), and
# --set_all_file_dates dates the files grub-mkrescue copies into its tree.
mkrescue=(grub-mkrescue -o "$out.tmp" "$tree")
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	command -v faketime >/dev/null || {
		echo "mkiso: faketime is missing (scripts/deps.sh installs it)" >&2
		exit 1
	}
	find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	mkrescue=(env TZ=UTC faketime -f "$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')"
		"${mkrescue[@]}" --set_all_file_dates "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S00)")
fi

# grub-mkrescue and xorriso report progress on stderr; show it only on failure.
if ! "${mkrescue[@]}" >"$tree.log" 2>&1; then
	cat "$tree.log" >&2
	rm -f "$tree.log" "$out.tmp"
	echo "mkiso: grub-mkrescue failed" >&2
	exit 1
fi
rm -f "$tree.log"
mv "$out.tmp" "$out"
