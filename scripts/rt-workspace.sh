#!/usr/bin/env bash
# rt-workspace.sh DIR makes DIR a Go tree to work on the port in: the pinned
# Go version, committed as it came, with rt/ applied on top and left
# uncommitted. Edit there, rebuild the tools with
#   (cd DIR/src && GOROOT=DIR DIR/bin/go install cmd/go cmd/compile cmd/link cmd/asm)
# and run scripts/rt-export.sh DIR to bring the change back into rt/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$1
[ ! -e "$dir" ] || { echo "$dir exists" >&2; exit 1; }
version=$(tr -d ' \n' <"$here/rt/GOVERSION")
src=$(go env GOROOT)
[ "$(go env GOVERSION)" = "$version" ] || { echo "need the local Go to be $version" >&2; exit 1; }
cp -a "$src" "$dir"
chmod -R u+w "$dir"
cd "$dir"
git init -q
printf '/pkg/\n/bin/\n' >.git/info/exclude
git add -A
git -c user.name=clk -c user.email=clk@invalid commit -qm "$version"
cp -a "$here/rt/src/." src/
patch -s -p1 <"$here/rt/upstream.patch"
echo "$dir" >&2
