#!/usr/bin/env bash
# bench-instructions.sh: the CPU instructions the emulator and the bare axum
# handler execute per request, counted by valgrind's callgrind. Unlike
# requests a second, which drift by a tenth or more between runs on a shared
# machine, the count is steady to within a per cent, so it shows what a
# change to the request path saves.
#
#   scripts/bench-instructions.sh         (from the project root)
#
# Builds the emulator (release profile) and the bare handler in
# benches/bare-axum, installs valgrind and wrk with apt if they are
# missing, then for each request (POST /v2/batches with one recipient; GET
# /api/me) starts each server under callgrind, warms it up, and counts every
# instruction of every thread of the process while wrk -t1 -c4 loads it:
# the emulator in its default configuration plus --accept-any-credentials
# (realtime clock, request journal and one log line per request, as
# shipped), as scripts/bench-http.sh runs it. Prints instructions per
# request and the emulator's count as a multiple of the bare handler's.
#
# Environment:
#   SMSMOCK_BIN=path     count this binary instead of building one
#   BENCH_SECONDS=n      counted seconds per run (8); BENCH_WARMUP=n (3)
set -euo pipefail
seconds=${BENCH_SECONDS:-8}
warmup=${BENCH_WARMUP:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v valgrind >/dev/null || missing+=(valgrind)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ -z "${SMSMOCK_BIN:-}" ]; then
  cargo build --release -q
  SMSMOCK_BIN=target/release/smsmock
fi
CARGO_TARGET_DIR=target/bare-axum cargo build --release -q --manifest-path benches/bare-axum/Cargo.toml

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# Under valgrind a server starts in about a second, not milliseconds.
wait_up() { for _ in $(seq 1500); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.02; done; return 1; }
load() { SMSMOCK_KEY=perf-key wrk -t1 -c4 -d"$1s" -s "scripts/perf/$2" "http://127.0.0.1:$3" 2>&1; }

declare -A counted
for kind in post-batch get-me; do
  for server in bare smsmock; do
    port=$(free_port)
    if [ $server = bare ]; then command=(target/bare-axum/release/bare-axum "$port")
    else command=("$SMSMOCK_BIN" --accept-any-credentials --host 127.0.0.1 --port "$port"); fi
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/$kind-$server.%p" \
      "${command[@]}" >/dev/null 2>"$out/valgrind.log" &
    pid=$!
    wait_up "$port"
    load "$warmup" "$kind.lua" "$port" >/dev/null
    callgrind_control -i on "$pid" >/dev/null 2>&1
    requests=$(load "$seconds" "$kind.lua" "$port" | awk '/requests in/ {print $1}')
    callgrind_control -i off "$pid" >/dev/null 2>&1
    callgrind_control -d "$pid" >/dev/null 2>&1
    kill "$pid"; wait "$pid" 2>/dev/null || true
    # A killed valgrind leaves the pipes callgrind_control talked through.
    rm -f "${TMPDIR:-/tmp}/vgdb-pipe-"*"-$pid-by-"*
    # Every thread's instructions in the counted stretch: instrumentation
    # was off before and after it, so the dumps hold nothing else.
    instructions=$(cat "$out/$kind-$server".* | awk '/^totals:/ {sum += $2} END {print sum}')
    counted[$kind/$server]=$(( instructions / requests ))
    printf "%-11s %-8s %9s requests  %7s instructions a request\n" \
      "$kind" "$server" "$requests" "${counted[$kind/$server]}"
  done
done
for kind in post-batch get-me; do
  python3 -c "print(f'$kind: smsmock {${counted[$kind/smsmock]}:,} instructions a request = ' \
    f'{${counted[$kind/smsmock]} / ${counted[$kind/bare]}:.2f}x bare axum ({${counted[$kind/bare]}:,})')"
done
