#!/usr/bin/env bash
# Re-extract the messages and update the zh, zh_Hant_HK and en catalogues (`make i18n`).
#
#   1. translations/i18n.py extract -> translations/messages.pot: the messages of backoffice/
#      (translations/babel.cfg) plus Flask-AppBuilder's own (translations/babel-fab.cfg; why:
#      see translations/i18n.py). English msgids, file locations, sorted; the file is left
#      alone when only its date would change.
#   2. pybabel update -> translations/<dir>/LC_MESSAGES/messages.po, created if missing; new
#      messages arrive untranslated (-N: no fuzzy guesses), removed ones are dropped.
#      Directories: zh, zh_Hant_HK (what Babel looks up for the LANGUAGES code zh_HK), en.
#   3. translations/i18n.py fill -> en: msgstr = msgid; zh / zh_Hant_HK: FAB's strings prefilled
#      from FAB's zh / zh_HK catalogues; lists what is left to translate by hand
#      (tests/unit/test_translations.py fails until it is translated).
#   4. pybabel compile --statistics (the .mo files are not committed; `make test` compiles them).
set -euo pipefail

cd "$(dirname "$0")/.."
if [ -x .venv/bin/pybabel ]; then
    PYBABEL=.venv/bin/pybabel
    PYTHON=.venv/bin/python
else
    PYBABEL=pybabel
    PYTHON=python3
fi
DIR=translations
POT=$DIR/messages.pot
CATALOGUES=(zh zh_Hant_HK en)

run() {
    echo "+ $*"
    "$@"
}

echo "== extract"
run "$PYTHON" "$DIR/i18n.py" extract

echo "== update catalogues"
for locale in "${CATALOGUES[@]}"; do
    run "$PYBABEL" -q update -N --ignore-obsolete --init-missing -i "$POT" -d "$DIR" -l "$locale"
done

echo "== fill"
run "$PYTHON" "$DIR/i18n.py" fill

echo "== compile"
run "$PYBABEL" compile -d "$DIR" --statistics
