#!/usr/bin/env bash
# Runs Schemathesis (from PyPI) against a running smsmock with the OpenAPI
# document it serves at /_mock/openapi.json, and fails on any 5xx, any
# response that does not match the document (status, content type,
# headers, body), any request the emulator did not answer, or a crash.
#
# Usage: scripts/schemathesis.sh [path to the smsmock binary]
# Without an argument it builds and checks target/debug/smsmock.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
PORT=${SMSMOCK_CHECK_PORT:-18089}
BINARY=${1:-}
VENV=target/schemathesis-venv
BASE=http://127.0.0.1:$PORT
# Deterministic generation, bounded per operation: the run takes a minute
# or two and gives the same cases every time. Schemathesis's default
# checks: besides no 5xx and answers as documented, every request the
# document calls valid is accepted and every invalid one refused.
COMMON=(
  --phases examples,coverage,fuzzing,stateful
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}"
  --generation-deterministic
  --request-timeout 10
  --workers 1
  --no-color
)

if [ -z "$BINARY" ]; then
  cargo build --locked --quiet
  BINARY=target/debug/smsmock
fi
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

LOG=$(mktemp)
# The default fixtures with credit, balance and a daily limit no run uses
# up, and an unregistered iP.1 sender answered with a batch whose messages
# fail (403) instead of 400: whether a sender is registered depends on what
# earlier calls did, which the document cannot say.
"$BINARY" --port "$PORT" --fixtures scripts/schemathesis/fixtures.json \
  --unregistered-sender sender-rejected >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f "$LOG"' EXIT
# True when the emulator answers its health check.
healthy() {
  python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "$BASE/_mock/health" 2>/dev/null
}
for _ in $(seq 50); do
  healthy && break
  sleep 0.1
done

run() {
  echo "== schemathesis: $1"
  shift
  SCHEMATHESIS_HOOKS=hooks PYTHONPATH=scripts/schemathesis \
    "$VENV/bin/schemathesis" run "$BASE/_mock/openapi.json" "${COMMON[@]}" "$@"
}

# Each gateway with its default fixture account's credentials.
run "iP.1" --include-tag iP.1 -H "Authorization: Bearer ip1-default-key"
# The older API, as its clients call it: HTTP Basic.
run "iP.1 v1" --include-tag "iP.1 v1" --auth ip1-10001:ip1-default-key
# SOAP's envelopes are XML, which a JSON Schema cannot describe; its own
# tests check it.
run "Viamobile" --include-tag Viamobile --auth test:test --exclude-path-regex '/soap$'
# The control API, but for adding fault rules, whose whole point is to make
# the gateways answer errors the document does not promise, and for
# importing a snapshot, whose body is a whole GET /_mock/state document
# (its own tests import real ones), and for the event stream, which never
# ends (its own tests read it).
run "control API" --include-tag control --exclude-operation-id post_mock_faults \
  --exclude-operation-id put_mock_state --exclude-operation-id get_mock_events

echo "== the emulator is still up"
healthy || { echo "smsmock stopped answering"; cat "$LOG"; exit 1; }
kill -0 "$SERVER" || { echo "smsmock crashed"; cat "$LOG"; exit 1; }
if grep -q "panicked" "$LOG"; then
  echo "smsmock panicked:"; grep -A5 "panicked" "$LOG"; exit 1
fi
echo "schemathesis: no failures"
