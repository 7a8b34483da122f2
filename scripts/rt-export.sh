#!/usr/bin/env bash
# rt-export.sh GOTREE writes the port held in a working Go tree back into rt/.
#
# GOTREE is a git repository whose first commit is the pristine Go tree of
# the pinned version (scripts/rt-workspace.sh makes one). Files added under
# src/, committed or not, become rt/src/; edits to upstream files become
# rt/upstream.patch.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tree=$(cd "$1" && pwd)
cd "$tree"
base=$(git rev-list --max-parents=0 HEAD)

rm -rf "$here/rt/src"
# New files, committed since the pristine commit or not yet.
{
	git ls-files --others --exclude-standard -- src
	git diff --no-renames --diff-filter=A --name-only "$base" -- src
} | sort -u | while read -r f; do
	[ -f "$f" ] || continue
	mkdir -p "$here/rt/$(dirname "$f")"
	cp "$f" "$here/rt/$f"
done
git diff --no-renames --diff-filter=a "$base" -- src >"$here/rt/upstream.patch"
echo "rt/src: $(find "$here/rt/src" -type f | wc -l) new files; rt/upstream.patch: $(grep -c '^diff --git' "$here/rt/upstream.patch") upstream files" >&2
