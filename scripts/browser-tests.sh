#!/usr/bin/env bash
# The web inbox in a real browser: Debian's headless Chromium, driven by
# Selenium (from PyPI) through Debian's ChromeDriver, against a running
# smsmock. Screenshots of each page are kept under target/ui-screenshots/
# for a person to look at.
#
# Usage: scripts/browser-tests.sh [path to the smsmock binary]
# Without an argument it builds and checks target/debug/smsmock.
set -euo pipefail
cd "$(dirname "$0")/.."

SELENIUM_VERSION=4.27.1
BINARY=${1:-}
VENV=target/browser-venv

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if [ -z "$BINARY" ]; then
  cargo build --locked --quiet
  BINARY=target/debug/smsmock
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import selenium" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "selenium==$SELENIUM_VERSION"
fi
mkdir -p target/ui-screenshots
"$VENV/bin/python" scripts/browser/test_inbox.py "$BINARY" target/ui-screenshots
