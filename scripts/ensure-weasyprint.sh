#!/usr/bin/env bash
# The PDF dossiers are printed by WeasyPrint, which needs Pango (libpango, libpangoft2) and a font
# (DejaVu, used by reports/dossiers/dossier.css) from the system. Installs them on Debian when run as root;
# otherwise says what to install.
set -euo pipefail
missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib "libpango-1.0.so.0" || missing+=(libpango-1.0-0)
have_lib "libpangoft2-1.0.so.0" || missing+=(libpangoft2-1.0-0)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "DejaVu Sans"; } \
  && [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  missing+=(fonts-dejavu-core)
fi
if [ "${#missing[@]}" = "0" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} for the PDF dossiers (WeasyPrint)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "The PDF dossiers (WeasyPrint) need: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
