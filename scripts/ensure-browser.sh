#!/usr/bin/env bash
# Browser tests use Debian's Chromium (no browser download exists here). Install it when missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "WARNING: /usr/bin/chromium is missing and this user cannot install it;" \
       "the browser tests will fail. Install the Debian packages chromium and chromium-driver." >&2
fi
