#!/usr/bin/env bash
# text-order.sh: writes link/text-order.txt and link/text-order-image.txt,
# the functions the linker lays out first in the glibc binary and in the
# container image's static musl binary (build.rs passes each to its build).
#
#   scripts/text-order.sh          (from the project root) write the files
#   scripts/text-order.sh --check  fail if a file is stale
#
# Why: the kernel maps a binary's code 64 KiB around each page a process
# touches. rustc places functions crate by crate, so the functions start-up
# runs lie all over the binary's 10 MB of code and an idle emulator had 7
# MB of it mapped. Laid out together, start-up maps about 1.5 MB.
#
# How: for the release profile (`cargo build --release`, `cargo run
# --release`) and as `cargo bench` builds it (another profile, and the
# dev-dependencies' features: other names), builds the binary (whose
# symbol table stays), runs it under valgrind's callgrind (installed with
# apt if missing) and lists every function of the binary that ran, in two
# groups: start-up to three answered health checks, then the common
# requests of both gateways, the control API and the inbox's first screen.
# Each group is sorted by demangled name. The image's list is made the same
# way from the `dist` build for x86_64-unknown-linux-musl, as the
# Dockerfile builds it but with its symbol table kept (in target/image-names:
# stripping changes nothing else), with its own profile (scripts/pgo.sh
# writes that first). Where the musl target cannot be added, that list is
# left as it is.
#
# The names are the mangled symbols of this compiler, these locked
# dependencies and these profiles (codegen units change which functions
# keep a symbol of their own): after a compiler, Cargo.lock or profile
# change, rerun the script. Rerun it after the crate's last code change
# too: a fifth of the names end in `.llvm.` and a hash of their codegen
# unit's code (the functions the crate-local ThinLTO makes visible across
# units), which any edit in that unit changes, a comment that moves lines
# included (panic messages name their line).
# The image's names are of a build with fat LTO and one codegen unit, where
# no name carries such a hash; its profile decides which functions keep a
# name of their own, so rerun this after scripts/pgo.sh.
# A stale file never breaks a build (names not in the binary are skipped);
# it only maps more memory. --check builds the release binary and the
# image's, and fails when fewer than 80% of a list's names (the release
# profile's, the image's) are in its binary while the compiler is the one
# the file was written with (with another compiler it only says so).
set -euo pipefail
export LC_ALL=C # one collation for sort and comm
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
list=link/text-order.txt
image_list=link/text-order-image.txt
image_target=x86_64-unknown-linux-musl
# The release and bench profiles write their binary here.
release_binary=${CARGO_TARGET_DIR:-target}/release/smsmock
image_binary=target/image-names/$image_target/dist/smsmock
compiler=$(rustc --version)

# Whether the image's target can be built here. Asked apart from the
# build: a build that fails must stop the script, not read as no target
# (`set -e` does not act inside a function called as a condition).
has_image_target() {
  rustup target add "$image_target" >/dev/null 2>&1
}

# Builds the image's binary, with its symbol table.
build_image() {
  CARGO_TARGET_DIR=target/image-names cargo build --locked -q --profile dist \
    --target "$image_target" \
    --config profile.dist.strip=false --config profile.dist.package.smsmock.strip=false
}

# check FILE PROFILE BINARY: fails when fewer than 80% of the names FILE
# lists for PROFILE are in BINARY.
check() {
  local listed count found
  listed=$(awk -v want="$2" '/^# profile: / {p = $3} !/^#/ && p == want' "$1" | sort -u)
  count=$(echo "$listed" | wc -l)
  found=$(comm -12 <(echo "$listed") <(nm --defined-only "$3" | awk '{print $NF}' | sort -u) |
    wc -l)
  echo "$1: $found of $count functions are in the $2 binary"
  if [ $((found * 100)) -lt $((count * 80)) ]; then
    echo "stale: run scripts/text-order.sh and commit $1" >&2
    return 1
  fi
}

if [ "${1:-}" = --check ]; then
  written_with=$(sed -n 's/^# compiler: //p' "$list")
  if [ "$written_with" != "$compiler" ]; then
    echo "$list was written with $written_with, this is $compiler: not checked"
    exit 0
  fi
  cargo build --release --locked -q
  check "$list" release "$release_binary"
  if has_image_target; then
    build_image
    check "$image_list" image "$image_binary"
  else
    echo "no musl target here: $image_list not checked"
  fi
  exit 0
fi

if ! command -v valgrind >/dev/null; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
url=http://127.0.0.1:$port

# Under valgrind the emulator starts in about a second; fails if it never
# answers, rather than listing what a failed start ran.
wait_up() {
  for _ in $(seq 1500); do curl -sf -o /dev/null "$url/_mock/health" && return 0; sleep 0.02; done
  echo "the emulator did not answer under valgrind:" >&2
  cat "$out/valgrind.log" >&2
  return 1
}

# Kills the valgrind with this pid, and removes the pipes that
# callgrind_control talked to it through (a killed valgrind leaves them).
stop() {
  kill -KILL "$1"
  wait "$1" 2>/dev/null || true
  rm -f "${TMPDIR:-/tmp}/vgdb-pipe-"*"-$1-by-"*
}

# Runs the binary under callgrind, then the named function of this script
# against it; writes the names of the binary's functions that ran to
# $out/$1.names.
profile() {
  rm -f "$out/$1".* # the other build's
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$out/$1.%p" \
    "$binary" --host 127.0.0.1 --port "$port" >/dev/null 2>"$out/valgrind.log" &
  local pid=$!
  wait_up || { stop "$pid"; return 1; }
  "$1"
  sleep 1
  callgrind_control -d "$pid" >/dev/null 2>&1
  stop "$pid"
  # `fn=(7) name` names function 7 where it first appears; `'2` marks a
  # recursion level, not a symbol.
  cat "$out/$1".* | sed -n -E "s/^c?fn=\([0-9]+\) (.*)/\1/p" | sed -E "s/'[0-9]+$//" |
    sort -u | comm -12 - "$out/symbols" >"$out/$1.names"
}

start_up() {
  for _ in 1 2 3; do curl -sf -o /dev/null "$url/_mock/health"; done
}

# shellcheck source=scripts/common-requests.sh
source "$root/scripts/common-requests.sh"
requests() {
  for _ in 1 2 3; do common_requests; done
}

# Sorts names by their demangled form (crate, module, type), which keeps a
# module's functions next to each other, as rustc's own layout does.
by_source() {
  local names
  names=$(cat)
  paste <(c++filt <<<"$names") <(cat <<<"$names") | sort -t $'\t' -k1,1 | cut -f2
}

# The names of one profile's functions, start-up's first.
names_for() {
  binary=$release_binary
  if [ "$1" = bench ]; then
    # As `cargo bench` builds it: with the features the benchmarks'
    # dev-dependencies turn on, which change the names.
    cargo bench --locked -q --no-run --bench startup
  elif [ "$1" = image ]; then
    build_image
    binary=$image_binary
  else
    cargo build --release --locked -q
  fi
  nm --defined-only "$binary" | awk '{print $NF}' | sort -u >"$out/symbols"
  profile start_up
  profile requests
  echo "# profile: $1"
  echo "# start-up to three answered health checks"
  by_source <"$out/start_up.names"
  echo "# common requests"
  comm -13 "$out/start_up.names" "$out/requests.names" | by_source
  echo "$1: $(wc -l <"$out/start_up.names") functions of start-up," \
    "$(comm -13 "$out/start_up.names" "$out/requests.names" | wc -l) more of requests" >&2
}

heading() {
  echo "# The functions that start-up and common requests run, laid out first"
  echo "# by the linker (build.rs). Written by scripts/text-order.sh."
  echo "# compiler: $compiler"
}

if has_image_target; then
  { heading; names_for image; } >"$out/image-list"
  mv "$out/image-list" "$image_list"
else
  echo "no musl target here: $image_list left as it is" >&2
fi
{
  heading
  names_for bench
  # Last, so that target/release/smsmock is the release build again.
  names_for release
} >"$out/list"
mv "$out/list" "$list"
