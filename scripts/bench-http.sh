#!/usr/bin/env bash
# bench-http.sh: the emulator's HTTP throughput as a share of a bare axum
# handler's, both loaded by wrk from another process, the way clients load
# the emulator, in one run on this machine. Absolute figures drift between
# runs and machines; the shares are what the README reports.
#
#   scripts/bench-http.sh [ROUNDS]        (from the project root; default 2)
#
# Builds the emulator (release profile) and the bare handler in
# benches/bare-axum (target dir target/bare-axum), installs wrk with apt if
# it is missing, then for each round starts each server fresh and runs, per
# request (POST /v2/batches with one recipient; GET /api/me), wrk -t2 -c50:
# 2 s of warm-up, then 8 s measured. The emulator runs in its default
# configuration plus --accept-any-credentials (realtime clock, request
# journal and one log line per request, as shipped), logging to /dev/null.
# Prints requests/s, p50 and p99 of each, and the server's CPU time a
# request (user and kernel, in microseconds) and context switches a
# request, then the emulator's share of the bare handler's throughput and
# its p99 against the bare handler's.
#
# Environment:
#   SMSMOCK_BIN=path     measure this binary instead of building one (e.g.
#                        the container image's, copied out with
#                        `podman cp`)
#   PROFILE=name         the cargo profile to build and measure (release)
#   BENCH_SECONDS=n      measured seconds per run (8); BENCH_WARMUP=n (2)
#   BARE_BUSY_US=n       the bare handler spins n microseconds an answer
#                        (to see how the kernel's share follows the CPU a
#                        request takes)
set -euo pipefail
rounds=${1:-2}
seconds=${BENCH_SECONDS:-8}
warmup=${BENCH_WARMUP:-2}
profile=${PROFILE:-release}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
command -v wrk >/dev/null || {
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
}
if [ -z "${SMSMOCK_BIN:-}" ]; then
  cargo build --profile "$profile" -q
  SMSMOCK_BIN=target/$profile/smsmock
fi
CARGO_TARGET_DIR=target/bare-axum cargo build --release -q --manifest-path benches/bare-axum/Cargo.toml

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 500); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.01; done; return 1; }
# The server's "user-ticks kernel-ticks context-switches" so far.
usage() {
  echo "$(awk '{print $14, $15}' "/proc/$1/stat")" \
    "$(cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}')"
}
# "req/s p50 p99 non-2xx user-us kernel-us switches" for one wrk script
# against one server (port, pid); latencies in ms, CPU a request in us.
measure() {
  wrk -t2 -c50 -d"${warmup}s" -s "scripts/perf/$1" "http://127.0.0.1:$2" >/dev/null 2>&1
  local before after report
  before=$(usage "$3")
  report=$(wrk -t2 -c50 -d"${seconds}s" --latency -s "scripts/perf/$1" "http://127.0.0.1:$2" 2>&1)
  after=$(usage "$3")
  echo "$report" | awk -v before="$before" -v after="$after" -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /requests in/ {n=$1} /Requests\/sec/ {rps=$2} / 50%/ {p50=ms($2)} / 99%/ {p99=ms($2)} /Non-2xx/ {bad=$NF}
    END {
      split(before, b); split(after, a); n = (n > 0 ? n : 1)
      printf "%s %.2f %.2f %s %.2f %.2f %.3f\n", rps, p50, p99, (bad==""?0:bad),
        (a[1]-b[1]) / hz * 1e6 / n, (a[2]-b[2]) / hz * 1e6 / n, (a[3]-b[3]) / n
    }'
}

declare -A rps p99
for r in $(seq "$rounds"); do
  for kind in post-batch get-me; do
    for server in bare smsmock; do
      port=$(free_port)
      if [ $server = bare ]; then target/bare-axum/release/bare-axum "$port" >/dev/null 2>&1 &
      else "$SMSMOCK_BIN" --accept-any-credentials --host 127.0.0.1 --port "$port" >/dev/null 2>&1 & fi
      pid=$!
      wait_up "$port"
      read -r got p50 late bad user kernel switches < <(SMSMOCK_KEY=perf-key measure "$kind.lua" "$port" "$pid")
      kill "$pid"; wait "$pid" 2>/dev/null || true
      printf "round %s  %-11s %-8s %10s req/s  p50 %5s ms  p99 %5s ms  non-2xx %s  cpu %5s + %5s us  switches %s\n" \
        "$r" "$kind" "$server" "$got" "$p50" "$late" "$bad" "$user" "$kernel" "$switches"
      rps[$kind/$server]="${rps[$kind/$server]:-} $got"
      p99[$kind/$server]="${p99[$kind/$server]:-} $late"
    done
  done
done
for kind in post-batch get-me; do
  python3 - "$kind" "${rps[$kind/bare]}" "${rps[$kind/smsmock]}" "${p99[$kind/bare]}" "${p99[$kind/smsmock]}" <<'EOF'
import sys
kind, bare, mock, bare_p99, mock_p99 = sys.argv[1], *[list(map(float, a.split())) for a in sys.argv[2:]]
mean = lambda xs: sum(xs) / len(xs)
print(f"{kind}: smsmock {mean(mock):,.0f} req/s = {100 * sum(mock) / sum(bare):.1f}% of bare axum "
      f"({mean(bare):,.0f} req/s); p99 {mean(mock_p99):.2f} ms = {mean(mock_p99) / mean(bare_p99):.2f}x "
      f"bare's {mean(bare_p99):.2f} ms")
EOF
done
