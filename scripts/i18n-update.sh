#!/usr/bin/env bash
# Refresh the English catalog after French strings were added or changed, in one command:
# makemessages over every app (French msgids, locations as paths from the repository root), then
# compilemessages, then a report of what still needs a translator.
#   scripts/i18n-update.sh              # uses .venv/bin/python, or $PYTHON if set
# Exit status 1 when entries are untranslated or fuzzy: translate them in
# src/pimm/locale/en/LC_MESSAGES/django.po (remove the `#, fuzzy` line), then run the script again
# and commit django.po and django.mo together.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PO=src/pimm/locale/en/LC_MESSAGES/django.po
IGNORE=(--ignore=.venv --ignore=tests --ignore=bench --ignore=scripts --ignore=docs)

"$PY" manage.py makemessages -l en "${IGNORE[@]}"
"$PY" manage.py compilemessages -l en --ignore=.venv
stats=$(msgfmt --check --statistics -o /dev/null "$PO" 2>&1) || { echo "$stats" >&2; exit 1; }
echo "$stats"
case "$stats" in
*fuzzy* | *untranslated*)
    echo "To translate in $PO (msgids; multi-line ones show as their first line):" >&2
    { msgattrib --untranslated --no-wrap --no-location "$PO"
      msgattrib --only-fuzzy --no-wrap --no-location "$PO"; } | grep -A1 '^msgid ' |
        grep -v -e '^msgid ""$' -e '^--$' -e '^msgstr' >&2 || true
    exit 1
    ;;
esac
