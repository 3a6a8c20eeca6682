#!/usr/bin/env bash
# Checks the GitHub Actions workflows against the workflow schema
# (check-jsonschema's vendored copy, from PyPI): they cannot run here.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK_JSONSCHEMA_VERSION=0.29.4
VENV=target/lint-venv
if [ ! -x "$VENV/bin/check-jsonschema" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi
"$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
