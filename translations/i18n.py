"""Catalogue maintenance for the back office (SPEC §10), used by translations/update.sh and the tests.

    python translations/i18n.py extract   # write translations/messages.pot
    python translations/i18n.py fill      # complete en, prefill FAB's strings, list what is left

Why the template also holds Flask-AppBuilder's own messages
-----------------------------------------------------------
``LANGUAGES`` offers ``zh_HK`` (FAB's code for Traditional Chinese). Babel parses it to
``zh_Hant_HK`` and gettext then looks for a ``zh_Hant_HK`` directory, then ``zh``: FAB's own
``zh_HK`` catalogue is never found (unmerged FAB PR #721) and FAB's login, user and role screens
fall back to Simplified Chinese. FAB's ``zh`` catalogue also lacks some strings ("Add", "Edit",
"Delete", ...). So our catalogues live in ``zh``, ``zh_Hant_HK`` and ``en`` and carry FAB's
messages too (prefilled from FAB's ``zh`` / ``zh_HK`` catalogues by ``fill``); flask-babel merges
our directory after FAB's, so our entries win.
"""
import os
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

DIR = Path(__file__).resolve().parent
ROOT = DIR.parent
POT = DIR / "messages.pot"
DOMAIN = "messages"
WIDTH = 76  # pybabel's default, so `pybabel update` and this script write the same layout

# LANGUAGES code (config.py) -> catalogue directory (what Babel looks up for that code).
CATALOGUES = {"zh": "zh", "zh_HK": "zh_Hant_HK", "en": "en"}
# catalogue directory -> FAB's catalogue used to prefill FAB's own messages.
FAB_SOURCES = {"zh": "zh", "zh_Hant_HK": "zh_HK"}
SOURCE_LOCALE = "en"  # the msgids are English: en msgstr = msgid

# Our code: `_l`/`lazy_gettext`, `_`/`gettext`, plus the plural and context forms.
KEYWORDS = [
    "_l", "lazy_gettext", "_", "gettext", "ngettext:1,2", "lazy_ngettext:1,2",
    "pgettext:1c,2", "lazy_pgettext:1c,2",
]
# What `flask fab babel-extract` uses for FAB itself.
FAB_KEYWORDS = ["lazy_gettext", "gettext", "_", "__"]
COMMENT_TAGS = ("TRANSLATORS:",)
FAB_COMMENT = "Flask-AppBuilder screen"


def fab_dir():
    import flask_appbuilder

    return Path(flask_appbuilder.__file__).resolve().parent


def _mapping(cfg):
    with open(cfg) as f:
        return parse_mapping_cfg(f, str(cfg))


def _keywords(names):
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(names))
    return keywords


def _extract(dirname, cfg, keywords, prefix=""):
    method_map, options_map = _mapping(cfg)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(dirname), method_map, options_map, keywords=_keywords(keywords),
        comment_tags=COMMENT_TAGS, strip_comment_tags=True,
    ):
        yield prefix + filename.replace(os.sep, "/"), lineno, message, comments, context


def extract_messages(include_fab=True):
    """The template: our messages, then FAB's messages that we do not have ourselves."""
    catalog = Catalog(
        project="backoffice", copyright_holder="the backoffice authors", domain=DOMAIN, fuzzy=False
    )
    for filename, lineno, message, comments, context in _extract(
        ROOT, DIR / "babel.cfg", KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    if include_fab:
        ours = {(m.id, m.context) for m in catalog if m.id}
        for filename, lineno, message, comments, context in _extract(
            fab_dir(), DIR / "babel-fab.cfg", FAB_KEYWORDS, prefix="flask_appbuilder/"
        ):
            key = (message, context)
            if key in ours:
                continue
            fresh = catalog.get(message, context) is None
            catalog.add(
                message, None, [(filename, lineno)],
                auto_comments=[FAB_COMMENT] if fresh else [], context=context,
            )
    return catalog


def _header_free(path):
    with open(path, encoding="utf-8") as f:
        return [line for line in f if not line.startswith('"POT-Creation-Date:')]


def write_template(catalog, path=POT):
    """Write the .pot (file locations only, sorted); keep the old file if only its date differs."""
    tmp = path.with_suffix(".pot.new")
    with open(tmp, "wb") as f:
        write_po(f, catalog, width=WIDTH, sort_output=True, include_lineno=False)
    if path.exists() and _header_free(path) == _header_free(tmp):
        tmp.unlink()
        return False
    tmp.replace(path)
    return True


def po_path(directory):
    return DIR / directory / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path, locale=None):
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def is_translated(message):
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not message.fuzzy and all(s and s.strip() for s in strings)


def _fill_source_locale(catalog):
    changed = 0
    for m in catalog:
        if not m.id or is_translated(m):
            continue
        if isinstance(m.id, (list, tuple)):
            m.string = tuple(s or m.id[min(i, 1)] for i, s in enumerate(m.string))
        else:
            m.string = m.id
        m.flags.discard("fuzzy")
        changed += 1
    return changed


def _fill_from_fab(catalog, fab_locale):
    fab_po = fab_dir() / "translations" / fab_locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not fab_po.exists():
        return 0
    fab = read_catalog(fab_po)
    changed = 0
    for m in catalog:
        if not m.id or is_translated(m):
            continue
        theirs = fab.get(m.id, m.context)
        if theirs is not None and is_translated(theirs) and type(theirs.string) is type(m.string):
            m.string = theirs.string
            m.flags.discard("fuzzy")
            changed += 1
    return changed


def fill():
    """Complete en, prefill FAB's messages from FAB's catalogues; return the untranslated count."""
    left = 0
    for directory in CATALOGUES.values():
        path = po_path(directory)
        catalog = read_catalog(path, locale=directory)
        if directory == SOURCE_LOCALE:
            changed = _fill_source_locale(catalog)
            note = "filled with the English msgid"
        elif directory in FAB_SOURCES:
            changed = _fill_from_fab(catalog, FAB_SOURCES[directory])
            note = f"prefilled from Flask-AppBuilder's {FAB_SOURCES[directory]} catalogue"
        else:
            changed, note = 0, ""
        if changed:
            with open(path, "wb") as f:
                write_po(f, catalog, width=WIDTH)
        todo = [m for m in catalog if m.id and not is_translated(m)]
        left += len(todo)
        print(f"{directory}: {len(catalog)} messages, {changed} {note or 'changed'}, "
              f"{len(todo)} to translate")
        for m in todo:
            msgid = m.id[0] if isinstance(m.id, (list, tuple)) else m.id
            where = m.locations[0][0] if m.locations else ""
            print(f"    {msgid!r}  ({where})")
    if left:
        print(f"{left} message(s) left to translate in {DIR.name}/<locale>/LC_MESSAGES/{DOMAIN}.po")
    return left


def main(argv):
    if argv[1:] == ["extract"]:
        catalog = extract_messages()
        written = write_template(catalog)
        print(f"{POT.relative_to(ROOT)}: {len(catalog)} messages "
              f"({'written' if written else 'unchanged'})")
    elif argv[1:] == ["fill"]:
        fill()
    else:
        print(__doc__.split("\n\n")[0] + "\n" + __doc__.split("\n\n")[1])
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
