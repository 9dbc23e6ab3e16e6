#!/usr/bin/env bash
# Browser tests use Debian's Chromium driven by Playwright (no browser download step).
# Installs the Debian packages chromium and chromium-driver when missing (as root, after
# apt-get update); otherwise fails with a clear message, so nothing is skipped silently.
set -euo pipefail

# PA_PLANNER_CHROMIUM only lets the script's own test point at a missing browser.
CHROMIUM="${PA_PLANNER_CHROMIUM:-/usr/bin/chromium}"
have_browser() { [ -x "$CHROMIUM" ] && command -v chromedriver >/dev/null; }

if have_browser; then exit 0; fi

if [ "$(id -u)" != "0" ]; then
  echo "ERROR: Debian's chromium/chromium-driver are missing ($CHROMIUM, chromedriver)" \
       "and this user is not root, so they cannot be installed." >&2
  echo "Run as root: apt-get update && apt-get install -y chromium chromium-driver" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "ERROR: $CHROMIUM is missing and apt-get is not available (not Debian?)." \
       "Install Chromium at /usr/bin/chromium to run the browser tests." >&2
  exit 1
fi

echo "Installing Debian's chromium and chromium-driver for the browser tests…"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; then
  echo "ERROR: apt-get could not install chromium and chromium-driver; the browser tests" \
       "cannot run. See the apt-get output above." >&2
  exit 1
fi
if ! have_browser; then
  echo "ERROR: chromium was installed but $CHROMIUM or chromedriver is still missing." >&2
  exit 1
fi
echo "Chromium ready: $("$CHROMIUM" --version 2>/dev/null || echo unknown version)"
