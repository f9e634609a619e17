#!/usr/bin/env bash
# The checks scripts/test.sh runs before any test:
#   - cargo fmt --check and cargo clippy --all-targets -D warnings;
#   - released scripts are never edited: sql/archive/RELEASED holds the
#     SHA-256 of every install script and update script of a released
#     version, and each must still match (a change of an SQL object goes
#     into the update script to the next version, docs/releasing.md);
#   - every relative link in the project's Markdown names a file that is
#     in the repository.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

echo "== lint: cargo fmt --check"
cargo fmt --all -- --check
echo "== lint: cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings

echo "== lint: released scripts unchanged"
status=0
while read -r sum file; do
    [ -n "$sum" ] || continue
    if [ ! -f "$file" ]; then
        echo "FAIL: released script $file is missing"
        status=1
    elif [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sum" ]; then
        echo "FAIL: $file was released and must not change; put the change in the update script to the next version"
        status=1
    fi
done < <(grep -v '^#' sql/archive/RELEASED)
for file in sql/archive/wms--*.sql sql/wms--*--*.sql; do
    grep -q " $file\$" sql/archive/RELEASED ||
        echo "note: $file is not released yet (not in sql/archive/RELEASED)"
done

echo "== lint: relative links in Markdown"
while IFS= read -r md; do
    dir=$(dirname "$md")
    while IFS= read -r target; do
        target=${target%%#*}
        [ -n "$target" ] || continue
        [ -e "$dir/$target" ] || { echo "FAIL: $md links to $target, which is not in the repository"; status=1; }
    done < <(grep -o '\](\([^)]*\))' "$md" | sed 's/^](\(.*\))$/\1/' | grep -v '^[a-z]*:' || true)
done < <(git ls-files '*.md')
[ $status -eq 0 ] && echo "lint passed"
exit $status
