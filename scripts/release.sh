#!/usr/bin/env bash
# release.sh builds a release of the checked-out commit (make release; the
# directory and its files are described in docs/release.md).
#
# Environment (make release sets them):
#   RELEASE_OUT     the release directory, made anew (build/release)
#   RELEASE_WORK    a build directory of its own for the release build
#   CLK_SIGNING_KEY, CLK_ROOT_KEY, CLK_RELEASE_KEY, CLK_SUP_KEY, CLK_SUP_ROOT_KEY
#                   the module key, the trust store's root key and the key
#                   that signs SHA256SUMS (private key files)
#   RELEASE_DEV_KEYS  non-empty when those keys are development keys made
#                   by this checkout's make: the release notes say so
#   RELEASE_TESTS   the system tests (a go test -run pattern) run against
#                   the release's own kernel and ISO; empty runs none
#   RELEASE_IMG_TARGET  the make target that writes $RELEASE_WORK/clk.img,
#                   the raw disk image; the release has no image when the
#                   Makefile has no such target
#   CLK_USER_LDFLAGS  the linker flags of ring-3 programs, with DWARF
#   GO              the host's go command
#
# Every artefact is reproducible: REPRO=1 builds, SOURCE_DATE_EPOCH from the
# commit, and archives with fixed order, owners and dates. The logs are
# evidence of this build and differ from one build to the next.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${RELEASE_OUT:?}" "${RELEASE_WORK:?}" "${CLK_SIGNING_KEY:?}" "${CLK_ROOT_KEY:?}" "${CLK_RELEASE_KEY:?}" "${CLK_SUP_KEY:?}" "${CLK_SUP_ROOT_KEY:?}"
: "${CLK_USER_LDFLAGS:?}" "${GO:?}"
RELEASE_TESTS=${RELEASE_TESTS-}
RELEASE_IMG_TARGET=${RELEASE_IMG_TARGET:-img}

say() { printf '\n==> release: %s\n' "$*"; }

version=$(git describe --tags --always --dirty)
commit=$(git rev-parse HEAD)
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
export SOURCE_DATE_EPOCH
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
name=clk-$version

rm -rf "$RELEASE_OUT"
mkdir -p "$RELEASE_OUT/logs" "$RELEASE_WORK"
logs=$(cd "$RELEASE_OUT/logs" && pwd)
work=$(cd "$RELEASE_WORK" && pwd)

say "$name, commit $commit of $date"
build=(make --no-print-directory BUILD="$RELEASE_WORK" REPRO=1 SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH"
	CLK_SIGNING_KEY="$CLK_SIGNING_KEY" CLK_ROOT_KEY="$CLK_ROOT_KEY"
	CLK_SUP_KEY="$CLK_SUP_KEY" CLK_SUP_ROOT_KEY="$CLK_SUP_ROOT_KEY")
"${build[@]}" kernel "$RELEASE_WORK/initrd.cpio" iso 2>&1 | tee "$logs/build.log"

# The raw disk image, when this tree's Makefile can make one.
img=
if make -n BUILD="$RELEASE_WORK" "$RELEASE_IMG_TARGET" >/dev/null 2>&1; then
	"${build[@]}" "$RELEASE_IMG_TARGET" 2>&1 | tee -a "$logs/build.log"
	img=$RELEASE_WORK/clk.img
	[ -f "$img" ] || { echo "release: make $RELEASE_IMG_TARGET wrote no $img" >&2; exit 1; }
else
	echo "release: this Makefile has no target $RELEASE_IMG_TARGET: no raw disk image" | tee -a "$logs/build.log"
fi

say "the debug archive: the kernel, programs and modules with DWARF"
dbg=$work/debug/$name-debug
rm -rf "$work/debug"
mkdir -p "$dbg/programs" "$dbg/modules"
cp "$RELEASE_WORK/clk.elf" "$RELEASE_WORK/initrd.cpio" "$dbg/"
for d in programs/*/; do
	p=$(basename "$d")
	scripts/clk-go build -trimpath -ldflags="$CLK_USER_LDFLAGS" -o "$dbg/programs/$p" "./programs/$p"
done
while read -r m; do
	d=$(dirname "$m")
	scripts/clk-go build -trimpath -ldflags="$CLK_USER_LDFLAGS" -o "$dbg/modules/$(basename "$d").elf" "./$d"
done < <(find modules -name module.json | LC_ALL=C sort)
sed -e "s/@VERSION@/$version/g" -e "s/@COMMIT@/$commit/g" image/release/DEBUG.md >"$dbg/README.md"
(
	cd "$work/debug"
	chmod -R u=rwX,go=rX .
	find . -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
		--format=gnu -cf - "$name-debug" | gzip -9n >"$name-debug.tar.gz"
)

say "the release directory"
cp "$RELEASE_WORK/clk.iso" "$RELEASE_OUT/$name.iso"
[ -z "$img" ] || cp "$img" "$RELEASE_OUT/$name-qemu.img"
cp "$work/debug/$name-debug.tar.gz" "$RELEASE_OUT/"
modkey=$("$RELEASE_WORK/clkmod" inspect "$(ls "$RELEASE_WORK"/modules/*.clkm | head -n 1)" |
	grep -A1 '"signers"' | tail -n 1 | tr -dc 0-9a-f)
# The notes' row of the raw disk image: kept, or dropped without one.
imgrow='s/, when this release has one (below)//'
[ -n "$img" ] || imgrow='/-qemu\.img` |/d'
{
	sed -e "s/@VERSION@/$version/g" -e "s/@COMMIT@/$commit/g" -e "s/@DATE@/$date/g" \
		-e "s/@MODKEY@/${modkey:-unknown}/g" -e "$imgrow" image/release/NOTES.md
	if [ -n "${RELEASE_DEV_KEYS:-}" ]; then
		printf '\n## Keys\n\nThis release was signed with development keys made by the build\n'
		printf '(build/keys): they prove that the files belong together, not who built them.\n'
		printf 'A build elsewhere makes other keys, so its SHA256SUMS.sig, release.pub, trust\n'
		printf 'store and module signatures differ; see docs/release.md.\n'
	fi
	if [ -z "$img" ]; then
		printf '\nThe raw disk image (clk-VERSION-qemu.img) is not part of this release:\n'
		printf 'this tree has no `make %s`.\n' "$RELEASE_IMG_TARGET"
	fi
	printf '\n## Changes\n\n'
	prev=$(git describe --tags --abbrev=0 HEAD^ 2>/dev/null || true)
	if [ -n "$prev" ]; then
		git log --no-merges --format='- %s' "$prev..HEAD"
	else
		echo "The first release: the last 30 changes."
		echo
		git log --no-merges --format='- %s' -n 30
	fi
} >"$RELEASE_OUT/RELEASE-NOTES.md"

if [ -n "$RELEASE_TESTS" ]; then
	say "system tests on the release's kernel and ISO: $RELEASE_TESTS"
	CLK_SYSTEST_ELF=$work/clk.elf CLK_SYSTEST_ISO=$work/clk.iso CLK_SYSTEST_INITRD=$work/initrd.cpio \
		CLK_SYSTEST_CONSOLE_DIR=$logs "$GO" test -count=1 -v -run "$RELEASE_TESTS" ./test/system 2>&1 | tee "$logs/test.log"
fi

say "SHA256SUMS and its signature"
"$RELEASE_WORK/clkmod" sign-release -key "$CLK_RELEASE_KEY" -not "${CLK_SIGNING_KEY%.key}.pub" "$RELEASE_OUT"
"$RELEASE_WORK/clkmod" verify-release -key "${CLK_RELEASE_KEY%.key}.pub" "$RELEASE_OUT" >/dev/null
ls -l "$RELEASE_OUT"
