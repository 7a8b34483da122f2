#!/usr/bin/env bash
# test-repro.sh checks that a release build is reproducible (make test-repro).
#
# It clones the checked-out commit twice, into two directories of different
# names and depths, and runs make release in each, one after the other
# (so at different times), without system tests, with the keys
# CLK_SIGNING_KEY, CLK_ROOT_KEY, CLK_RELEASE_KEY, CLK_SUP_KEY and CLK_SUP_ROOT_KEY name. The second build
# uses an empty Go build cache (REPRO_SHARED_CACHE=1 lets it reuse the
# first's, which is faster but hides a compiler that is not
# deterministic). Then it compares every file of the two release
# directories but the logs, which differ by nature, and SHA256SUMS and its
# signature, which cover the logs: for those it compares the lines of the
# other files. It also compares the inputs of the ISO one by one (kernel,
# initrd, modules, trust store), so that a difference is named where it
# starts. It prints the time of each build; on a difference it keeps both
# trees (REPRO_DIR) for diffoscope and exits 1.
#
# Only committed work is tested: the clones are of HEAD.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${CLK_SIGNING_KEY:?}" "${CLK_ROOT_KEY:?}" "${CLK_RELEASE_KEY:?}" "${CLK_SUP_KEY:?}" "${CLK_SUP_ROOT_KEY:?}" "${GO:?}"

commit=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	echo "test-repro: the work tree has uncommitted changes; they are not tested (the clones are of $commit)"
fi
base=${REPRO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/clk-repro.XXXXXX")}
mkdir -p "$base"
a=$base/a
b=$base/second/clone-b

build() { # build DIR [ENV...]
	local dir=$1
	shift
	rm -rf "$dir"
	git clone -q --no-local --no-checkout "$PWD" "$dir"
	git -C "$dir" checkout -q "$commit"
	local start=$SECONDS
	if ! (cd "$dir" && env "$@" CLK_SIGNING_KEY="$CLK_SIGNING_KEY" CLK_ROOT_KEY="$CLK_ROOT_KEY" \
		CLK_RELEASE_KEY="$CLK_RELEASE_KEY" CLK_SUP_KEY="$CLK_SUP_KEY" CLK_SUP_ROOT_KEY="$CLK_SUP_ROOT_KEY" make --no-print-directory release RELEASE_TESTS= >"$dir.log" 2>&1); then
		tail -n 30 "$dir.log" >&2
		echo "test-repro: make release failed in $dir (log: $dir.log)" >&2
		exit 1
	fi
	echo "test-repro: built $dir in $((SECONDS - start)) s"
}

build "$a"
cache=()
if [ -z "${REPRO_SHARED_CACHE:-}" ]; then
	mkdir -p "$base/gocache"
	cache=(GOCACHE="$base/gocache")
fi
build "$b" "${cache[@]}"

diffs=0
same() { # same FILE-IN-A FILE-IN-B LABEL
	if cmp -s "$1" "$2"; then
		echo "same       $3"
	else
		echo "DIFFERENT  $3"
		diffs=$((diffs + 1))
	fi
}
ra=$a/build/release
rb=$b/build/release
while read -r f; do
	case $f in
	logs/* | SHA256SUMS | SHA256SUMS.sig) continue ;;
	esac
	if [ -f "$rb/$f" ]; then
		same "$ra/$f" "$rb/$f" "release: $f"
	else
		echo "DIFFERENT  release: $f is only in the first build"
		diffs=$((diffs + 1))
	fi
done < <(cd "$ra" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
if [ "$(cd "$ra" && find . -type f ! -path './logs/*' | LC_ALL=C sort)" != "$(cd "$rb" && find . -type f ! -path './logs/*' | LC_ALL=C sort)" ]; then
	echo "DIFFERENT  release: the two directories hold different files"
	diffs=$((diffs + 1))
fi
same <(grep -v '  logs/' "$ra/SHA256SUMS") <(grep -v '  logs/' "$rb/SHA256SUMS") "release: SHA256SUMS but its logs"
wa=$a/build/release-work
wb=$b/build/release-work
for f in clk.elf initrd.cpio $(cd "$wa" && ls modules/*.clkm trust/*.clkt); do
	same "$wa/$f" "$wb/$f" "input: $f"
done

if [ "$diffs" -ne 0 ]; then
	echo "test-repro: $diffs difference(s); both trees kept in $base (diffoscope compares them)" >&2
	exit 1
fi
echo "test-repro: the two builds of $commit are identical"
[ -n "${REPRO_DIR:-}" ] || rm -rf "$base"
