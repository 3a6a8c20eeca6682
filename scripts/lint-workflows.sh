#!/usr/bin/env bash
# Checks the GitHub Actions workflows, and the README's GitHub Actions
# example, against the workflow schema (check-jsonschema's vendored copy,
# from PyPI): they cannot run here.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK_JSONSCHEMA_VERSION=0.29.4
VENV=target/lint-venv
if [ ! -x "$VENV/bin/check-jsonschema" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi
example=$(mktemp --suffix=.yml)
trap 'rm -f "$example"' EXIT
python3 - "$example" <<'PY'
import sys
readme = open("README.md").read()
block = readme.split("### GitHub Actions", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
open(sys.argv[1], "w").write("name: readme-example\non: push\n" + block)
PY
"$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml "$example"
