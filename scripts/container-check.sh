#!/usr/bin/env bash
# Builds the container image from the repository's Dockerfile, runs it, and
# checks the health endpoint and one authenticated iP.1 call.
#
# Where a Docker engine and a registry are at hand, `docker build .` does
# the whole job. This script works without either: it compiles the static
# binary on the host, builds the Dockerfile's `prebuilt` target from it
# with podman (runc runtime, no base image to pull), and runs the image.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=localhost/smsmock:check
PORT=${CONTAINER_CHECK_PORT:-18080}
NAME=smsmock-check-$$

install_tools() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v musl-gcc >/dev/null || missing+=(musl-tools)
    command -v curl >/dev/null || missing+=(curl)
    python3 -c "import yaml" 2>/dev/null || missing+=(python3-yaml)
    if ((${#missing[@]})); then
        echo "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    # Containers here may not raise their ulimits.
    local conf=/etc/containers/containers.conf
    if ! grep -q '^default_ulimits = \[\]' "$conf" 2>/dev/null; then
        mkdir -p /etc/containers
        printf '[containers]\ndefault_ulimits = []\n' >> "$conf"
    fi
}

build_static_binary() {
    if rustup target add x86_64-unknown-linux-musl >/dev/null 2>&1; then
        cargo build --profile dist --locked --target x86_64-unknown-linux-musl
        BINARY=target/x86_64-unknown-linux-musl/dist/smsmock
    else
        echo "no musl target: building a static glibc binary instead"
        RUSTFLAGS="-C target-feature=+crt-static" \
            cargo build --profile dist --locked --target x86_64-unknown-linux-gnu
        BINARY=target/x86_64-unknown-linux-gnu/dist/smsmock
    fi
}

install_tools
build_static_binary

context=$(mktemp -d)
cleanup() {
    podman rm -f --runtime runc "$NAME" "$NAME-compose" >/dev/null 2>&1 || true
    rm -rf "$context"
}
trap cleanup EXIT
mkdir -p "$context/dist"
cp Dockerfile .dockerignore "$context/"
cp "$BINARY" "$context/dist/smsmock"

podman build --runtime runc --format docker --target prebuilt \
    -t "$IMAGE" "$context"
size=$(podman image inspect "$IMAGE" --format '{{.Size}}')
echo "image size: $size bytes ($((size / 1024 / 1024)) MiB)"
if ((size > 15 * 1024 * 1024)); then
    echo "image is larger than 15 MiB" >&2
    exit 1
fi
user=$(podman image inspect "$IMAGE" --format '{{.Config.User}}')
if [[ -z "$user" || "$user" == 0* || "$user" == root* ]]; then
    echo "image runs as root ($user)" >&2
    exit 1
fi

# No systemd timer here: the health check is run by hand below.
podman run -d --runtime runc --health-interval disable --name "$NAME" -p "127.0.0.1:$PORT:8080" "$IMAGE" >/dev/null
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/_mock/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/_mock/health"
echo
curl -fsS -H "Authorization: Bearer ip1-default-key" "http://127.0.0.1:$PORT/api/me" | grep -q '"Account":"ip1-10001"'
echo "authenticated iP.1 call: ok"
podman exec "$NAME" /smsmock healthcheck
echo "healthcheck subcommand inside the container: ok"
podman image inspect "$IMAGE" --format '{{.Config.Healthcheck.Test}}' | grep -q healthcheck
interval=$(podman image inspect "$IMAGE" --format '{{.Config.Healthcheck.Interval.Milliseconds}}')
if ((interval > 1000)); then
    echo "the health check runs every ${interval} ms: a health wait would take over a second" >&2
    exit 1
fi
podman healthcheck run "$NAME"
echo "image HEALTHCHECK: ok"
podman stop --time 5 "$NAME" >/dev/null
code=$(podman inspect "$NAME" --format '{{.State.ExitCode}}')
if [[ "$code" != 0 ]]; then
    echo "the container did not stop cleanly on SIGTERM (exit code $code)" >&2
    exit 1
fi
echo "graceful stop on SIGTERM: ok"

# The compose example: it parses, its emulator service runs from this image
# with its own settings, and its app (run on the host here) gets its
# delivery reports from inside the container by Podman's documented route,
# host.containers.internal.
settings=$(python3 - <<'PY'
import yaml
compose = yaml.safe_load(open("examples/docker-compose.yml"))
emulator, app = compose["services"]["smsmock"], compose["services"]["app"]
assert emulator["image"].startswith("ghcr.io/smsmock/smsmock:"), emulator["image"]
assert app["depends_on"]["smsmock"]["condition"] == "service_healthy"
assert app["environment"]["SMS_API"] == "http://smsmock:8080"
for name, value in emulator.get("environment", {}).items():
    print(f"{name}={value}")
PY
)
env_args=()
while IFS= read -r setting; do env_args+=(-e "$setting"); done <<< "$settings"
podman run -d --runtime runc --health-interval disable --name "$NAME-compose" "${env_args[@]}" \
    -p "127.0.0.1:$PORT:8080" "$IMAGE" >/dev/null
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/_mock/health" >/dev/null 2>&1 && break
    sleep 0.1
done
receiver_port=$(python3 -c 'import socket;s=socket.socket();s.bind(("0.0.0.0",0));print(s.getsockname()[1])')
SMS_API="http://127.0.0.1:$PORT" SMS_API_KEY=any-key-works LISTEN_PORT="$receiver_port" \
    REPORTS_TO="http://host.containers.internal:$receiver_port/delivery-reports" \
    timeout 90 python3 examples/app/send_and_wait.py
podman rm -f --runtime runc "$NAME-compose" >/dev/null
echo "compose example: its emulator runs, and its reports reach a receiver outside the container: ok"
echo "container check passed"
