#!/usr/bin/env bash
# toolchain.sh builds the GOOS=clk Go toolchain and prints its GOROOT.
#
# The toolchain lives in a cache outside the repository, keyed by the content
# hash of the pinned Go version and everything under rt/. When the cache entry
# is complete the script only prints its path, so every make target can depend
# on it without cost.
#
# Source of the Go tree: the Go installed on this machine when its version is
# the pinned one, else the golang.org/toolchain module of that version from the
# Go module proxy (it ships src/ next to prebuilt tools). Nothing else is
# downloaded.
#
# Build: the port (rt/src, new files) is copied over the tree, rt/upstream.patch
# (edits to upstream files) is applied, and the tools that know about GOOS
# (go, compile, link, asm, dist, vet, cgo) are rebuilt from the patched tree by
# the tree's own go command. This is the incremental "go install cmd/..." that
# Go's developers use after make.bash; CLK_FULL_BUILD=1 runs src/make.bash
# instead (about 8.5 minutes on 2 cores). The standard library for GOOS=clk is
# compiled on demand into the ordinary Go build cache.
#
# Output: progress on stderr, the GOROOT on stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(tr -d ' \n' <"$here/rt/GOVERSION")
cache=${CLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clk}

say() { printf 'toolchain: %s\n' "$*" >&2; }

hash=$( {
	echo "$version"
	echo "full=${CLK_FULL_BUILD:-0}"
	cd "$here/rt" && find . -type f ! -name '*.md' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)
root="$cache/$version-$hash"

if [ -f "$root/.clk-complete" ]; then
	echo "$root/go"
	exit 0
fi

host_go() {
	local g
	for g in "${CLK_HOST_GO:-}" "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go; do
		[ -n "$g" ] && [ -x "$g" ] && { echo "$g"; return 0; }
	done
	return 1
}

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. A pristine Go tree of the pinned version.
src=""
if g=$(host_go) && [ "$("$g" env GOVERSION)" = "$version" ]; then
	src=$("$g" env GOROOT)
	say "using the local $version at $src"
else
	g=$(host_go) || { say "need a Go installation to fetch $version"; exit 1; }
	mod="golang.org/toolchain@v0.0.1-$version.linux-amd64"
	say "fetching $mod from the module proxy"
	dir=$(GOFLAGS=-mod=mod GOTOOLCHAIN=local "$g" mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
	[ -d "$dir/src" ] || { say "module $mod has no src/"; exit 1; }
	src=$dir
fi
say "copying the Go tree"
cp -a "$src" "$tmp/go"
chmod -R u+w "$tmp/go"
# A module zip cannot hold nested modules, so the golang.org/toolchain module
# stores the tree's go.mod and go.sum files as _go.mod and _go.sum
# (src/_go.mod, src/cmd/_go.mod and more under testdata). dist and the go
# command need them under their own names.
find "$tmp/go" -type f \( -name _go.mod -o -name _go.sum \) -print0 |
	while IFS= read -r -d '' f; do
		g="$(dirname "$f")/$(basename "$f" | cut -c2-)"
		[ -e "$g" ] || mv "$f" "$g"
	done

# 2. The port, in two steps. A go command that does not know GOOS=clk would
# take the new *_clk.go files for ordinary ones, so the edits to upstream
# files (which teach go/build the new GOOS) and the new files without a clk
# file-name suffix go in first and the go command is rebuilt from them; the
# *_clk* files follow.
say "applying rt/upstream.patch"
patch -s -p1 -d "$tmp/go" <"$here/rt/upstream.patch"
(cd "$here/rt/src" && find . -type f ! -name '*_clk.*' ! -name '*_clk_*' -print0 |
	xargs -0 -r cp --parents -t "$tmp/go/src")
export GOROOT="$tmp/go" GOTOOLCHAIN=local GOFLAGS= GOOS= GOARCH= CGO_ENABLED=0 GO111MODULE=
if [ "${CLK_FULL_BUILD:-0}" != 1 ]; then
	say "rebuilding cmd/go so that it knows GOOS=clk"
	(cd "$GOROOT/src" && "$GOROOT/bin/go" install cmd/go)
fi
say "adding the *_clk files of rt/src"
cp -a "$here/rt/src/." "$tmp/go/src/"

# 3. The tools.
if [ "${CLK_FULL_BUILD:-0}" = 1 ]; then
	g=$(host_go)
	say "running make.bash (about 8.5 minutes on 2 cores)"
	(cd "$GOROOT/src" && GOROOT_BOOTSTRAP=$("$g" env GOROOT) ./make.bash >&2)
else
	tools="cmd/compile cmd/link cmd/asm cmd/dist cmd/vet cmd/cgo cmd/objdump cmd/nm cmd/addr2line cmd/pprof cmd/buildid cmd/cover cmd/test2json"
	say "rebuilding the tools from the patched tree (about 2 minutes on 2 cores)"
	n=0
	for t in $tools; do
		n=$((n + 1))
		say "  [$n/$(wc -w <<<"$tools")] $t"
		(cd "$GOROOT/src" && "$GOROOT/bin/go" install "$t")
	done
fi
"$GOROOT/bin/go" tool dist list | grep -qx clk/amd64 || { say "the built toolchain does not list clk/amd64"; exit 1; }

# 4. Publish atomically.
rm -rf "$root"
mv "$tmp/go" "$root.go"
mkdir -p "$root"
mv "$root.go" "$root/go"
touch "$root/.clk-complete"
say "ready: $root/go"
echo "$root/go"
