#!/usr/bin/env bash
# The checks scripts/test.sh runs before any test:
#   - cargo fmt --check and cargo clippy --all-targets -D warnings;
#   - released scripts are never edited: sql/archive/RELEASED holds the
#     SHA-256 of every install script and update script of a released
#     version, and each must still match (a change of an SQL object goes
#     into the update script to the next version, docs/releasing.md);
#   - every released version names the commit it was built from
#     (sql/archive/COMMITS);
#   - Cargo.toml, META.json and CHANGELOG.md name the same version;
#   - every relative link in the project's Markdown names a file that is
#     in the repository.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

echo "== lint: cargo fmt --check"
cargo fmt --all -- --check
echo "== lint: cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== lint: released scripts unchanged"
status=0
released=sql/archive/RELEASED
if ! grep -q '^[0-9a-f]\{64\}  ' "$released" 2>/dev/null; then
    echo "FAIL: $released lists no released script"
    status=1
fi
while read -r sum file; do
    if [ ! -f "$file" ]; then
        echo "FAIL: released script $file is missing"
        status=1
    elif [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sum" ]; then
        echo "FAIL: $file was released and must not change; put the change in the update script to the next version"
        status=1
    fi
done < <(grep -v '^#' "$released" 2>/dev/null || true)
# An archived install script is a released one, and so is an update script
# to a version that has one: each must be listed.
for file in sql/archive/wms--*.sql; do
    target=${file#sql/archive/wms--}
    for update in sql/wms--*--"$target"; do
        [ ! -e "$update" ] || grep -q "  $update\$" "$released" ||
            { echo "FAIL: $update leads to released version ${target%.sql} but is not in $released"; status=1; }
    done
    grep -q "  $file\$" "$released" || { echo "FAIL: $file is archived but not in $released"; status=1; }
done
# Every released version names the commit it was built from (the upgrade
# suite builds its library from it), and that commit built that version.
for file in sql/archive/wms--*.sql; do
    v=${file#sql/archive/wms--}
    v=${v%.sql}
    commit=$(released_commit "$v")
    if [ -z "$commit" ]; then
        echo "FAIL: sql/archive/COMMITS names no commit for released version $v"
        status=1
    elif git cat-file -e "$commit^{commit}" 2>/dev/null &&
        [ "$(git show "$commit:Cargo.toml" | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)" != "$v" ]; then
        echo "FAIL: commit $commit (sql/archive/COMMITS) is not version $v"
        status=1
    fi
done

echo "== lint: one version everywhere"
version=$(wms_version)
for meta in $(grep -o '"version": "[^"]*"' META.json | grep -v '"1.0.0"' | cut -d'"' -f4 | sort -u); do
    [ "$meta" = "$version" ] || { echo "FAIL: META.json names version $meta, Cargo.toml $version"; status=1; }
done
grep -q "^## \[$version\]" CHANGELOG.md || { echo "FAIL: CHANGELOG.md has no section for $version"; status=1; }

echo "== lint: relative links in Markdown"
while IFS= read -r md; do
    dir=$(dirname "$md")
    while IFS= read -r target; do
        target=${target%%#*}
        [ -n "$target" ] || continue
        [ -e "$dir/$target" ] || { echo "FAIL: $md links to $target, which is not in the repository"; status=1; }
    done < <( (grep -o '\](\([^)]*\))' "$md" | sed 's/^](\(.*\))$/\1/'
        sed -n 's/^\[[^]]*\]: *\([^ ]*\).*$/\1/p' "$md") | grep -v '^[a-z]*:' || true)
done < <(git ls-files '*.md')
[ $status -eq 0 ] && echo "lint passed"
exit $status
