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
# Prints requests/s, p50 and p99 of each, the server's CPU time a request
# (user and kernel, in microseconds), its context switches a request, and
# the CPU time wrk itself took a request (the client's, user and kernel),
# then the emulator's share of the bare handler's throughput, its p99
# against the bare handler's, and the CPU both processes took a request
# against the bare handler's: with the client on the same cores, the share
# follows the whole of that CPU, not only the server's.
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
# "req/s p50 p99 non-2xx user-us kernel-us switches client-user-us
# client-kernel-us" for one wrk script against one server (port, pid);
# latencies in ms, CPU a request in us.
measure() {
  wrk -t2 -c50 -d"${warmup}s" -s "scripts/perf/$1" "http://127.0.0.1:$2" >/dev/null 2>&1
  local before after report client
  before=$(usage "$3")
  # bash's `time` reports the CPU wrk's threads took, in seconds.
  client=$( { TIMEFORMAT='%U %S'; time wrk -t2 -c50 -d"${seconds}s" --latency \
    -s "scripts/perf/$1" "http://127.0.0.1:$2" >"$scratch" 2>&1; } 2>&1)
  report=$(cat "$scratch")
  after=$(usage "$3")
  echo "$report" | awk -v before="$before" -v after="$after" -v client="$client" -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /requests in/ {n=$1} /Requests\/sec/ {rps=$2} / 50%/ {p50=ms($2)} / 99%/ {p99=ms($2)} /Non-2xx/ {bad=$NF}
    END {
      split(before, b); split(after, a); split(client, c); n = (n > 0 ? n : 1)
      printf "%s %.2f %.2f %s %.2f %.2f %.3f %.2f %.2f\n", rps, p50, p99, (bad==""?0:bad),
        (a[1]-b[1]) / hz * 1e6 / n, (a[2]-b[2]) / hz * 1e6 / n, (a[3]-b[3]) / n,
        c[1] * 1e6 / n, c[2] * 1e6 / n
    }'
}

scratch=$(mktemp)
trap 'rm -f "$scratch"' EXIT
declare -A rps p99 cpu
for r in $(seq "$rounds"); do
  for kind in post-batch get-me; do
    for server in bare smsmock; do
      port=$(free_port)
      if [ $server = bare ]; then target/bare-axum/release/bare-axum "$port" >/dev/null 2>&1 &
      else "$SMSMOCK_BIN" --accept-any-credentials --host 127.0.0.1 --port "$port" >/dev/null 2>&1 & fi
      pid=$!
      wait_up "$port"
      read -r got p50 late bad user kernel switches client_user client_kernel \
        < <(SMSMOCK_KEY=perf-key measure "$kind.lua" "$port" "$pid")
      kill "$pid"; wait "$pid" 2>/dev/null || true
      printf "round %s  %-11s %-8s %10s req/s  p50 %5s ms  p99 %5s ms  non-2xx %s  cpu %5s + %5s us  switches %s  wrk's cpu %5s + %5s us\n" \
        "$r" "$kind" "$server" "$got" "$p50" "$late" "$bad" "$user" "$kernel" "$switches" "$client_user" "$client_kernel"
      rps[$kind/$server]="${rps[$kind/$server]:-} $got"
      p99[$kind/$server]="${p99[$kind/$server]:-} $late"
      cpu[$kind/$server]="${cpu[$kind/$server]:-} $(python3 -c "print($user + $kernel + $client_user + $client_kernel)")"
    done
  done
done
for kind in post-batch get-me; do
  python3 - "$kind" "${rps[$kind/bare]}" "${rps[$kind/smsmock]}" "${p99[$kind/bare]}" "${p99[$kind/smsmock]}" \
    "${cpu[$kind/bare]}" "${cpu[$kind/smsmock]}" <<'EOF'
import sys
kind, bare, mock, bare_p99, mock_p99, bare_cpu, mock_cpu = \
    sys.argv[1], *[list(map(float, a.split())) for a in sys.argv[2:]]
mean = lambda xs: sum(xs) / len(xs)
print(f"{kind}: smsmock {mean(mock):,.0f} req/s = {100 * sum(mock) / sum(bare):.1f}% of bare axum "
      f"({mean(bare):,.0f} req/s); p99 {mean(mock_p99):.2f} ms = {mean(mock_p99) / mean(bare_p99):.2f}x "
      f"bare's {mean(bare_p99):.2f} ms; server and wrk together {mean(mock_cpu):.1f} us of CPU "
      f"a request against {mean(bare_cpu):.1f} us ({100 * mean(bare_cpu) / mean(mock_cpu):.1f}%)")
EOF
done
