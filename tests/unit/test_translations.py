"""The Babel catalogues in translations/ are complete, consistent and compile (SPEC §10).

The messages are extracted afresh (backoffice/ and Flask-AppBuilder's own screens, with the
mapping files and keywords of translations/i18n.py, which `make i18n` uses too), so a new string
nobody translated fails here. Fix: `make i18n`, then translate the listed msgids in
translations/<dir>/LC_MESSAGES/messages.po. No database, no app.
"""
import importlib.util
import re
from collections import Counter
from io import BytesIO

from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


i18n = _load("backoffice_i18n", ROOT / "translations" / "i18n.py")
DIRECTORIES = tuple(i18n.CATALOGUES.values())
CHINESE = ("zh", "zh_Hant_HK")
PLACEHOLDER = re.compile(
    r"%(?:\(\w+\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrs]"
)
# Characters that exist only in Simplified Chinese: none may appear in the Traditional catalogue.
SIMPLIFIED_ONLY = set(
    "们这个说为发务户门类级录删单码权编选设确认关联间对图资当览择数据条称页项显错误记经营质报诉"
    "访线区网结绩总额证统员计审驳历变动调异议负责时题实续标识组织态别档详细过滤链闭导输维护处应该检"
)


@pytest.fixture(scope="module")
def source_messages():
    catalog = i18n.extract_messages()
    ours = [m for m in catalog if m.id and not any(
        path.startswith("flask_appbuilder/") for path, _ in m.locations)]
    assert len(ours) > 100, "extraction found almost nothing: check translations/babel.cfg"
    return catalog


@pytest.fixture(scope="module")
def catalogues():
    return {d: i18n.read_catalog(i18n.po_path(d), locale=d) for d in DIRECTORIES}


def _strings(message):
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _msgid(message):
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def test_one_catalogue_per_language_babel_can_find():
    """Each LANGUAGES code of config.py resolves to its own catalogue directory.

    Babel parses FAB's ``zh_HK`` to ``zh_Hant_HK`` and gettext never looks in ``zh_HK``.
    """
    config = _load("backoffice_config_for_i18n", ROOT / "config.py")
    assert set(config.Config.LANGUAGES) == set(i18n.CATALOGUES)
    for code, directory in i18n.CATALOGUES.items():
        assert i18n.po_path(directory).exists(), f"{i18n.po_path(directory)} missing: `make i18n`"
        assert str(Locale.parse(code)) == directory


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_every_message_is_translated(directory, source_messages, catalogues):
    catalog = catalogues[directory]
    problems = []
    for message in source_messages:
        if not message.id:
            continue
        where = message.locations[0][0] if message.locations else "?"
        found = catalog.get(message.id, message.context)
        if found is None:
            problems.append(f"missing  {_msgid(message)!r}  ({where})")
        elif found.fuzzy:
            problems.append(f"fuzzy    {_msgid(message)!r}  ({where})")
        elif not all(s and s.strip() for s in _strings(found)):
            problems.append(f"empty    {_msgid(message)!r}  ({where})")
    assert not problems, (
        f"{len(problems)} message(s) not translated in translations/{directory}: run `make i18n`, "
        "then translate them in the .po file\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_no_fuzzy_entries(directory, catalogues):
    catalog = catalogues[directory]
    assert not catalog.fuzzy, f"the header of translations/{directory} is marked fuzzy"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in translations/{directory}: {fuzzy}"


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_placeholders_match(directory, catalogues):
    problems = []
    for message in catalogues[directory]:
        if not message.id:
            continue
        expected = Counter(PLACEHOLDER.findall(_msgid(message)))
        for string in _strings(message):
            if string and Counter(PLACEHOLDER.findall(string)) != expected:
                problems.append(
                    f"{_msgid(message)!r}: {sorted(expected.elements())} != "
                    f"{sorted(PLACEHOLDER.findall(string))} in {string!r}"
                )
    assert not problems, f"placeholders differ in translations/{directory}:\n" + "\n".join(problems)


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_catalogue_compiles(directory, catalogues):
    catalog = catalogues[directory]
    errors = [f"{_msgid(m)!r}: {'; '.join(map(str, errs))}" for m, errs in catalog.check()]
    assert not errors, f"translations/{directory} has errors:\n" + "\n".join(errors)
    buf = BytesIO()
    write_mo(buf, catalog)
    assert buf.getvalue()


def test_chinese_catalogues_are_chinese(catalogues):
    """A msgstr that merely copies the English msgid is a missed translation."""
    allowed = re.compile(r"^[\sA-Z0-9%()\-_.:/]*$")  # codes such as "ID" may stay as they are
    for directory in CHINESE:
        copied = [m.id for m in catalogues[directory]
                  if m.id and m.string == m.id and not allowed.match(m.id)]
        assert not copied, f"msgstr == msgid in translations/{directory}: {copied}"


def test_traditional_catalogue_has_no_simplified_characters(catalogues):
    leaks = [
        f"{m.id!r}: {m.string!r} ({''.join(sorted(set(m.string) & SIMPLIFIED_ONLY))})"
        for m in catalogues["zh_Hant_HK"]
        if m.id and set("".join(_strings(m))) & SIMPLIFIED_ONLY
    ]
    assert not leaks, "Simplified characters in translations/zh_Hant_HK:\n" + "\n".join(leaks)


def test_each_language_code_gets_its_own_catalogue_at_runtime(tmp_path, catalogues):
    """What flask-babel does for a request: load <dir>/<locale>/LC_MESSAGES/messages.mo."""
    for directory, catalog in catalogues.items():
        mo = tmp_path / directory / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True)
        with open(mo, "wb") as f:
            write_mo(f, catalog)
    for code, directory in i18n.CATALOGUES.items():
        translations = Translations.load(str(tmp_path), [Locale.parse(code)], "messages")
        assert isinstance(translations, Translations), f"no catalogue found for {code}"
        assert translations.files == [str(tmp_path / directory / "LC_MESSAGES" / "messages.mo")]
        wrong = [m.id for m in catalogues[directory]
                 if m.id and isinstance(m.id, str) and not m.context
                 and translations.gettext(m.id) != m.string]
        assert not wrong, f"{code}: not served from translations/{directory}: {wrong[:10]}"
