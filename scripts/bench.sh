#!/usr/bin/env bash
# bench.sh: `cargo bench` against the binary users run, not the one
# `cargo bench` builds for itself.
#
#   scripts/bench.sh [--dist] [CARGO BENCH ARGUMENTS]   (from anywhere)
#   e.g. scripts/bench.sh --bench batch_send
#
# `cargo bench` builds the emulator again with the features the tests need
# (tokio's `test-util` and `full`), in place of the binary
# `cargo build --release` made. That build's functions have other names, so
# neither the recorded profile nor the never-run lists fit it, and it takes
# about a sixth more instructions a request. This script builds the binary
# as users build it (`cargo build --release`, or `--profile dist` with
# `--dist`), copies it to target/measured/, runs `cargo bench` with
# SMSMOCK_BENCH_BINARY pointing at the copy (every benchmark starts that
# binary instead of its own), and then puts the copy back where cargo build
# left it, so target/release/smsmock is again the binary users run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
profile=release
if [ "${1:-}" = --dist ]; then
  profile=dist
  shift
fi
cargo build --profile "$profile" --locked -q
mkdir -p target/measured
measured="$root/target/measured/smsmock-$profile"
cp "target/$profile/smsmock" "$measured"
status=0
SMSMOCK_BENCH_BINARY="$measured" cargo bench --profile "$profile" --locked "$@" || status=$?
cp "$measured" "target/$profile/smsmock"
exit "$status"
