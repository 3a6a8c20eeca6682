#!/usr/bin/env bash
# pgo.sh: writes the profiles of the emulator at work that optimised
# builds are compiled with (scripts/rustc-pgo, the rustc wrapper
# .cargo/config.toml names), each with a .txt beside it: the compiler and
# LLVM it was written with, and a digest of the sources it was written
# from.
#
#   scripts/pgo.sh          (from the project root) write the profiles
#   scripts/pgo.sh --check  fail if the sources changed since they were
#                           written, or the Dockerfile or the release
#                           workflow builds with another compiler
#
# A profile fits only the build it was recorded from: the compiler names
# each function with a hash of the crate's build settings (the cargo
# profile, the target, the compiler), and a function whose name is not in
# the profile is compiled as if there were none. So there are two:
# - link/smsmock.profdata, from the `release` build for this machine
#   (`cargo build --release`, what the README's figures measure);
# - link/smsmock-image.profdata, from the container image's build (the
#   `dist` profile for x86_64-unknown-linux-musl, as the Dockerfile and
#   the release workflow build it).
#
# How, for each: builds the emulator instrumented (-C profile-generate, in
# target/pgo-generate), runs it with its default fixtures plus
# --accept-any-credentials, loads it as scripts/bench-http.sh does (wrk:
# sends and GET /api/me) and sends it every common request of both
# gateways, the control API and the inbox (as scripts/text-order.sh does),
# stops it, and merges what it counted with the toolchain's llvm-profdata
# (rustup's llvm-tools component, added if missing). The merge is sparse:
# a function the work never ran has no entry and is compiled as if there
# were no profile, one it ran rarely is compiled as cold code. The work
# covers every kind of request, not only the measured ones, so that the
# code all requests share is laid out for all of them. (A full profile,
# with every function that never ran marked cold, was six times the size
# and built no faster: README, Building.)
#
# Before the `release` profile, it lists the functions of that build the
# work never runs, crate by crate, in link/cold/CRATE.txt, which the rustc
# wrapper has LLVM compile without optimisation, and records the profile
# from an instrumented build with them so compiled (scripts/cold-lists.py
# says how the list is made).
#
# Rerun it after a code change, a compiler change or a Cargo.lock change,
# then scripts/text-order.sh (whose list names the functions of a build
# made with the first profile). A stale profile never breaks a build: a
# changed function is compiled as if it had no profile.
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
profiles=(link/smsmock.profdata link/smsmock-image.profdata)
image_target=x86_64-unknown-linux-musl

# What the profiles were written from: every file the build compiles, as
# scripts/rustc-pgo digests them (it gives the crate its list only while
# they are unchanged).
sources_digest() {
  local digest
  digest=$(sh scripts/rustc-pgo --sources-digest)
  [ -n "$digest" ] || { echo "no digest of the sources: needs git and sha256sum" >&2; exit 1; }
  echo "$digest"
}

if [ "${1:-}" = --check ]; then
  digest=$(sources_digest)
  for profile in "${profiles[@]}"; do
    if [ "$(sed -n 's/^sources: //p' "$profile.txt")" != "$digest" ]; then
      echo "stale: the sources changed since $profile was written;" \
        "run scripts/pgo.sh, then scripts/text-order.sh, and commit link/" >&2
      exit 1
    fi
  done
  # The image's build must use the compiler its profile was written with:
  # another one names every function differently.
  image_profile=${profiles[1]}
  written_with=$(sed -n 's/^compiler: rustc \([0-9.]*\) .*/\1/p' "$image_profile.txt")
  if ! grep -q "^FROM docker.io/library/rust:$written_with-" Dockerfile ||
    ! grep -q "rustup default $written_with " .github/workflows/release.yml; then
    echo "the Dockerfile or the release workflow builds with another compiler than" \
      "rustc $written_with, which $image_profile was written with: pin that one," \
      "or run scripts/pgo.sh with theirs" >&2
    exit 1
  fi
  echo "${profiles[*]} were written from these sources, with the Dockerfile's compiler"
  exit 0
fi

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v musl-gcc >/dev/null || missing+=(musl-tools)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
rustup target add "$image_target" >/dev/null
host=$(rustc -vV | sed -n 's/^host: //p')
profdata=$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata
[ -x "$profdata" ] || rustup component add llvm-tools >/dev/null
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
# shellcheck source=scripts/common-requests.sh
source "$root/scripts/common-requests.sh"

# One of each common request, and a few more: a batch of two, a batch's
# document and its messages, a refused body.
requests() {
  common_requests
  local ip1=(-H 'Authorization: Bearer ip1-default-key' -H 'Content-Type: application/json')
  curl -s -o /dev/null "${ip1[@]}" "$url/v2/batches" \
    -d '{"sender": "iP1", "recipients": ["46701234567", "46701234568"], "body": "Hi"}'
  curl -s -o /dev/null "${ip1[@]}" "$url/v2/batches/1"
  curl -s -o /dev/null "${ip1[@]}" "$url/v2/batches/1/messages"
  curl -s -o /dev/null "${ip1[@]}" "$url/v2/batches" -d '{"sender": ""}'
}

# work BINARY: runs BINARY (instrumented, writing its counts into $raw)
# through the work the profiles are of, and stops it.
work() {
  local binary=$1 port pid
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  url=http://127.0.0.1:$port
  "$binary" --accept-any-credentials --host 127.0.0.1 --port "$port" \
    --log-level info >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 500); do curl -sf -o /dev/null "$url/_mock/health" && break; sleep 0.01; done
  for _ in $(seq 20); do requests; done
  for script in post-batch.lua get-me.lua; do
    SMSMOCK_KEY=perf-key wrk -t2 -c50 -d10s -s "scripts/perf/$script" "$url" >/dev/null
  done
  for _ in $(seq 20); do requests; done
  kill -TERM "$pid"
  wait "$pid" || true
}

# instrumented WRAPPER RUSTFLAGS CARGO-ARGS...: builds the emulator
# instrumented (under target/pgo-generate, through the rustc wrapper
# WRAPPER, or none), its counts to go into $raw. Without --target the
# build scripts and proc-macros are instrumented too (RUSTFLAGS reach
# them) and write their counts while the build runs: those are dropped.
instrumented() {
  local wrapper=$1 flags=$2
  shift 2
  rm -rf "${raw:?}"/*
  RUSTC_WRAPPER=$wrapper RUSTFLAGS="$flags -C profile-generate=$raw" \
    CARGO_TARGET_DIR=target/pgo-generate cargo build --locked -q "$@"
  rm -f "$raw"/*
}

# record PROFILE BINARY WRAPPER RUSTFLAGS CARGO-ARGS...: builds BINARY
# (under target/pgo-generate) instrumented, runs the work, writes PROFILE.
record() {
  local profile=$1 binary=target/pgo-generate/$2
  shift 2
  instrumented "$@"
  work "$binary"
  "$profdata" merge --sparse -o "$profile" "$raw"
  {
    echo "# The profile $profile was written with and from (scripts/pgo.sh)."
    echo "compiler: $(rustc --version)"
    echo "llvm: $(rustc -vV | sed -n 's/^LLVM version: //p')"
    echo "sources: $(sources_digest)"
  } >"$profile.txt"
  echo "$profile: $(wc -c <"$profile") bytes"
}

# The functions of the `release` build that the work never runs, crate by
# crate (link/cold/CRATE.txt, scripts/cold-lists.py), counted in a build
# without the inliner that runs before the counters are put in, so that a
# function it would inline everywhere still counts its own calls.
instrumented "" "-C llvm-args=-disable-preinline" --release
work target/pgo-generate/release/smsmock
"$profdata" merge -o "$raw/all.profdata" "$raw"/*.profraw
"$profdata" merge --text -o "$raw/all.txt" "$raw/all.profdata"
python3 scripts/cold-lists.py "$raw/all.txt" target/pgo-generate/release/deps \
  "$(dirname "$profdata")/llvm-nm" link/cold

# The `release` profile, from a build with those functions unoptimised, as
# the rustc wrapper compiles them with it: what LLVM knows of a callee
# shapes its callers, and a profiled function must be the code it was
# counted in.
SMSMOCK_PGO_COLD=1 record "${profiles[0]}" release/smsmock "$root/scripts/rustc-pgo" "" --release
# The static build's own flag (.cargo/config.toml), which RUSTFLAGS
# would otherwise replace.
record "${profiles[1]}" "$image_target/dist/smsmock" "" "-C relocation-model=static" \
  --profile dist --target "$image_target"
