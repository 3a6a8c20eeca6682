#!/usr/bin/env bash
# bench-build.sh: how long a first build takes, from a clean target
# directory with the crates already downloaded, against the first build of
# the release profile as it was when it linked with fat LTO and one codegen
# unit, all measured in one run on this machine. Build times on a shared
# machine drift by a quarter between runs; the shares are what the README
# reports.
#
#   scripts/bench-build.sh [BASELINE]     (from the project root)
#
# BASELINE is the commit whose `cargo build --release` is the yardstick;
# the default, dfe7ee8, is the last one whose release profile was fat LTO
# with one codegen unit. The script downloads every crate both trees need,
# then builds, each from an empty target directory under $TMPDIR and one
# after the other (so the builds never share the two cores):
#   1. the baseline's `cargo build --release`,
#   2. this tree's `cargo build --release`,
#   3. this tree's `cargo build --profile dist` (what the image uses),
# and prints each build's wall-clock time and the two shares. About 15
# minutes on two cores; nothing of the project's own target directory is
# touched. Needs the project's git history (a clone, not an export).
set -euo pipefail
baseline=${1:-dfe7ee8}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$(mktemp -d)
cleanup() {
  git worktree remove --force "$work/baseline" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git worktree add --quiet --detach --force "$work/baseline" "$baseline" >/dev/null
(cd "$work/baseline" && cargo fetch --locked -q)
cargo fetch --locked -q

# build NAME DIR ARGS... -> seconds, from an empty target directory
build() {
  local name=$1 dir=$2
  shift 2
  local target="$work/target-$name" start end
  start=$(date +%s.%N)
  (cd "$dir" && cargo build --locked --offline -q --target-dir "$target" "$@")
  end=$(date +%s.%N)
  rm -rf "$target"
  python3 -c "print(round($end - $start))"
}

base=$(build baseline "$work/baseline" --release)
echo "baseline ($baseline) cargo build --release: $base s"
release=$(build release "$root" --release)
echo "cargo build --release: $release s"
dist=$(build dist "$root" --profile dist)
echo "cargo build --profile dist: $dist s"
python3 -c "print(f'release: {100 * $release / $base:.0f}% of the baseline release build, {100 * $release / $dist:.0f}% of dist')"
