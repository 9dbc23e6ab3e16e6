#!/usr/bin/env bash
# Refreshes the vendored front-end assets from the npm registry (no CDN, no node_modules).
# Bump a version below, run `make vendor`, check the diff and static/vendor/README.md.
set -euo pipefail

BOOTSTRAP_ITALIA_VERSION="2.18.3"
HTMX_VERSION="2.0.11"
AXE_CORE_VERSION="4.14.1"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
TEST_ASSETS="$ROOT/tests/assets"

command -v npm >/dev/null || { echo "npm is required (Debian package: npm)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch NAME VERSION: downloads the package tarball with `npm pack` and unpacks it in $WORK/NAME.
fetch() {
  local name="$1" version="$2" tarball
  echo "Fetching $name@$version"
  tarball="$(cd "$WORK" && npm pack --silent "$name@$version" | tail -n 1)"
  mkdir -p "$WORK/$name"
  tar -xzf "$WORK/$tarball" -C "$WORK/$name" --strip-components=1
}

fetch bootstrap-italia "$BOOTSTRAP_ITALIA_VERSION"
fetch htmx.org "$HTMX_VERSION"
fetch axe-core "$AXE_CORE_VERSION"

# Bootstrap Italia: the CSS, the JS bundle (with Bootstrap and Popper), fonts, icon sprite.
bi_src="$WORK/bootstrap-italia/dist"
bi_dst="$VENDOR/bootstrap-italia"
rm -rf "$bi_dst"
mkdir -p "$bi_dst/css" "$bi_dst/js" "$bi_dst/svg"
cp "$bi_src/css/bootstrap-italia.min.css" "$bi_dst/css/"
cp "$bi_src/js/bootstrap-italia.bundle.min.js" "$bi_dst/js/"
cp "$bi_src/svg/sprites.svg" "$bi_dst/svg/"
cp -R "$bi_src/fonts" "$bi_dst/fonts"
cp "$WORK/bootstrap-italia/LICENSE" "$bi_dst/LICENSE"

# htmx
rm -rf "$VENDOR/htmx"
mkdir -p "$VENDOR/htmx"
cp "$WORK/htmx.org/dist/htmx.min.js" "$VENDOR/htmx/htmx.min.js"
cp "$WORK/htmx.org/LICENSE" "$VENDOR/htmx/LICENSE"

# axe-core: only for the browser tests, never served.
mkdir -p "$TEST_ASSETS"
cp "$WORK/axe-core/axe.min.js" "$TEST_ASSETS/axe.min.js"
cp "$WORK/axe-core/LICENSE" "$TEST_ASSETS/axe-core.LICENSE.txt"

# No source maps: strip the trailing sourceMappingURL comments that would point at missing files.
find "$VENDOR" "$TEST_ASSETS/axe.min.js" -type f \( -name '*.map' \) -delete
for f in "$bi_dst/css/bootstrap-italia.min.css" "$bi_dst/js/bootstrap-italia.bundle.min.js" \
  "$VENDOR/htmx/htmx.min.js" "$TEST_ASSETS/axe.min.js"; do
  sed -i -E 's@/[*/]# sourceMappingURL=[^ *]*( \*/)?$@@' "$f"
done

# Check the versions the README states against what was fetched.
for pair in "bootstrap-italia:$BOOTSTRAP_ITALIA_VERSION" "htmx.org:$HTMX_VERSION" \
  "axe-core:$AXE_CORE_VERSION"; do
  name="${pair%%:*}" version="${pair#*:}"
  grep -qs "$name.*$version" "$VENDOR/README.md" \
    || echo "NOTE: update static/vendor/README.md: $name is now $version" >&2
done

echo "Vendored: bootstrap-italia $BOOTSTRAP_ITALIA_VERSION, htmx.org $HTMX_VERSION," \
  "axe-core $AXE_CORE_VERSION"
du -sh "$VENDOR" "$TEST_ASSETS/axe.min.js"
