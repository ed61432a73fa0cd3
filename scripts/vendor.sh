#!/usr/bin/env bash
# Copy the front-end libraries pinned in package.json from npm into static/vendor/ (committed, so the app
# runs offline and `make run` needs no npm). Run after changing a version: `bash scripts/vendor.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent
V=static/vendor
rm -rf "$V/bootstrap-italia" "$V/leaflet" "$V/htmx" "$V/axe-core" "$V/chartjs"
mkdir -p "$V/bootstrap-italia/css" "$V/bootstrap-italia/js" "$V/bootstrap-italia/svg" "$V/leaflet" "$V/htmx" "$V/axe-core" "$V/chartjs"
BI=node_modules/bootstrap-italia
cp "$BI/dist/css/bootstrap-italia.min.css" "$V/bootstrap-italia/css/"
cp "$BI/dist/js/bootstrap-italia.bundle.min.js" "$V/bootstrap-italia/js/"
cp "$BI/dist/svg/sprites.svg" "$V/bootstrap-italia/svg/"
cp "$BI/LICENSE" "$V/bootstrap-italia/" 2>/dev/null || true
for f in Titillium_Web Roboto_Mono Lora; do
  mkdir -p "$V/bootstrap-italia/fonts/$f"
  cp "$BI/dist/fonts/$f/"*.woff2 "$BI/dist/fonts/$f/"*.woff "$V/bootstrap-italia/fonts/$f/"
  cp "$BI/dist/fonts/$f/"*.txt "$V/bootstrap-italia/fonts/$f/"
done
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/LICENSE "$V/leaflet/"
cp -r node_modules/leaflet/dist/images "$V/leaflet/"
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE "$V/htmx/"
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$V/axe-core/"
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md "$V/chartjs/"
# Source maps are not vendored: drop their references, or the production static storage (manifest) fails.
find "$V" \( -name "*.css" -o -name "*.js" \) -exec sed -i -E '/^[/][*#]+ *[#@] sourceMappingURL=.*$/d; s@/[*][#@] sourceMappingURL=[^*]*[*]/@@; s@//[#@] sourceMappingURL=.*$@@' {} +
echo "vendored into $V"
