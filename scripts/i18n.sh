#!/usr/bin/env bash
# Translations of the interface (Italian is the source language; English is the second locale).
#   bash scripts/i18n.sh make     # refresh decimetro/locale/*/LC_MESSAGES/django.po from templates and Python code
#   bash scripts/i18n.sh compile  # compile the .po files to django.mo (both are committed: `make run` needs no gettext)
# Needs GNU gettext (Debian: apt-get install gettext) only to run these two commands.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
IGNORE=(--ignore=node_modules --ignore=static --ignore=var --ignore=tests --ignore=bench --ignore=build
        --ignore='*.egg-info' --ignore='.venv*')
case "${1:-}" in
  make)
    "$PY" manage.py makemessages -l en --no-obsolete --add-location=file "${IGNORE[@]}"
    ;;
  compile)
    "$PY" manage.py compilemessages -l en "${IGNORE[@]}"
    ;;
  *)
    echo "usage: $0 make|compile" >&2
    exit 2
    ;;
esac
