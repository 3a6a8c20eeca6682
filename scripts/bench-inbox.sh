#!/usr/bin/env bash
# The web inbox's cost, measured the way it is used, on a release build:
#
# 1. First screen with 100,000 messages stored: the Messages page's HTML,
#    stylesheet and scripts and its first API call
#    (GET /_mock/messages?limit=50&offset=0), fetched one after another
#    over one connection as a browser's first visit would; the median of
#    20 visits (a browser fetches the scripts side by side, so this is an
#    upper bound).
# 2. Send throughput with a tab open: wrk -t2 -c50 on POST /v2/batches
#    (one recipient) for 8 s after a 2 s warm-up, without and then with a
#    subscriber on the event stream the Messages page opens (its types,
#    at most 50 events a second), in turns
#    (ROUNDS, default 2); prints the ratio.
#
# Usage: scripts/bench-inbox.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 500); do curl -sf -o /dev/null "http://127.0.0.1:$1/_mock/health" && return 0; sleep 0.01; done; return 1; }

port=$(free_port)
target/release/smsmock --port "$port" --clock manual --log-level warn >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_up "$port"
python3 - "$port" <<'PY'
import http.client, json, statistics, sys, time
port = int(sys.argv[1])
conn = http.client.HTTPConnection("127.0.0.1", port)
def call(method, path, body=None, headers={}):
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    assert response.status < 300, (path, response.status, data[:200])
    return data
key = {"Authorization": "Bearer ip1-default-key", "Content-Type": "application/json"}
for batch in range(100):
    recipients = [f"4670{batch:03d}{n:04d}" for n in range(1000)]
    call("POST", "/v2/batches", json.dumps({"sender": "iP1", "recipients": recipients, "body": f"Your code is {batch:06d}"}), key)
first_screen = ["/_mock/ui/", "/_mock/ui/app.css", "/_mock/ui/common.js", "/_mock/ui/messages.js",
                "/_mock/messages?limit=50&offset=0"]
visits = []
for _ in range(20):
    started = time.perf_counter()
    for path in first_screen:
        call("GET", path)
    visits.append((time.perf_counter() - started) * 1000)
conn.request("GET", "/_mock/messages?limit=1")
count = conn.getresponse()
count.read()
print(f"first screen with {int(count.headers['X-Total-Count']):,} messages stored: "
      f"median {statistics.median(visits):.1f} ms, slowest {max(visits):.1f} ms (budget 200 ms)")
PY
kill $pid; wait $pid 2>/dev/null || true

measure() { # port -> req/s
  wrk -t2 -c50 -d2s -s scripts/perf/post-batch.lua "http://127.0.0.1:$1" >/dev/null 2>&1
  wrk -t2 -c50 -d8s -s scripts/perf/post-batch.lua "http://127.0.0.1:$1" 2>&1 | awk '/Requests\/sec/ {print $2}'
}
declare -A sum=([closed]=0 [open]=0)
for r in $(seq "$rounds"); do
  for tab in closed open; do
    port=$(free_port)
    target/release/smsmock --accept-any-credentials --port "$port" >/dev/null 2>&1 &
    pid=$!
    wait_up "$port"
    if [ $tab = open ]; then
      curl -sN "http://127.0.0.1:$port/_mock/events?type=message,incoming,status,reset&maxPerSecond=50" >/dev/null &
      tab_pid=$!
    fi
    rps=$(SMSMOCK_KEY=perf-key measure "$port")
    [ $tab = open ] && kill $tab_pid 2>/dev/null
    kill $pid; wait $pid 2>/dev/null || true
    printf "round %s  tab %-6s %10s req/s\n" "$r" "$tab" "$rps"
    sum[$tab]=$(python3 -c "print(${sum[$tab]} + $rps)")
  done
done
python3 -c "c=${sum[closed]}; o=${sum[open]}; print(f'sends with the inbox open: {o/$rounds:,.0f} req/s = {100*o/c:.1f}% of {c/$rounds:,.0f} req/s without it')"
