#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser end-to-end tests (playwright-core
# drives it; we never download a browser build). Prints the executable's path on stdout.
set -euo pipefail
find_chromium() { command -v chromium || command -v chromium-browser || true; }
bin="$(find_chromium)"
# The demo shows emoji faces; without a colour emoji font screenshots show empty boxes.
if [ -z "$bin" ] || ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "chromium is not installed; run as root: apt-get update && apt-get install -y chromium fonts-noto-color-emoji" >&2
    exit 1
  fi
  echo "[ensure-chromium] installing Debian's chromium (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >&2
  bin="$(find_chromium)"
fi
echo "$bin"
