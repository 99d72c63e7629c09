"""What a crawler finds in the wrong language (issue #11): the helpers of test_language_crawl.py.

The screen's own words are checked, not the records': text inside table cells (``td``), select
options and text areas is data (a client's name, a user name, an e-mail) and is skipped; the rest
(title, headings, labels, buttons, ``th``, menu entries, modal text, tab names, flash messages,
``title`` / ``placeholder`` attributes) must be in the session's language.

- zh, zh_HK: no Latin word except the codes, acronyms and units in ``LATIN_ALLOWED``;
- zh_HK: no Simplified-only character (the set is derived from our own catalogues: where the zh and
  zh_Hant_HK translations of one message differ character by character);
- en: no CJK character;
- every language: no internal name (snake_case, ``Id``, ``None``, ``True`` / ``False``).
"""
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("zh", "zh_HK", "en")
ROOT = Path(__file__).resolve().parents[2]

# Words a Chinese screen may carry in Latin letters: file formats, acronyms the business uses,
# the language menu's own names. Codes (W001, SALES_M, A 级) are caught by CODE below.
LATIN_ALLOWED = {
    "CSV", "XLSX", "Excel", "API", "JSON", "Swagger", "SLA", "NPS", "KPI", "PDF", "JWT", "UTC",
    "English", "ID", "Email", "E-mail", "REST",
}
LANGUAGE_NAMES = ("简体中文", "繁體中文", "English")
# Short upper-case English words that would pass for codes.
LATIN_REFUSED = {"OK", "ON", "OFF", "YES", "NO", "NEW", "ALL", "ID_"}
# FAB prints a user's roles and booleans in table cells: those cells are the screen's words.
ROLE_NAMES = {"Admin", "DeptHead", "ClientManager", "ServiceDesk", "BackOffice", "Viewer", "Public"}
CODE = re.compile(r"^(?:[A-Z0-9]{1,8}(?:[_-][A-Z0-9]+)*|[A-Z]\d*|\d[\w.%-]*)$")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.'-]*")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
INTERNAL = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\bId\b|\bNone\b|\bTrue\b|\bFalse\b|\bnull\b")
SKIP_TEXT_IN = {"td", "option", "textarea", "script", "style", "pre", "code"}
# ... except the screen's words a cell holds: a form's labels and hints, buttons.
UI_IN_CELL = {"label", "button", "legend", "h1", "h2", "h3", "h4", "h5", "help-block"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CHECKED_ATTRS = ("title", "placeholder", "alt", "aria-label", "data-original-title")


def simplified_only_chars():
    """Characters Simplified writes and Traditional does not, learnt from our two catalogues."""
    def catalogue(d):
        with open(ROOT / "translations" / d / "LC_MESSAGES" / "messages.po", "rb") as f:
            return {m.id: m.string for m in read_po(f) if m.id and isinstance(m.string, str) and m.string}

    hans, hant = catalogue("zh"), catalogue("zh_Hant_HK")
    simplified, traditional = set(), set()
    for key, s in hans.items():
        t = hant.get(key)
        if not t:
            continue
        traditional.update(t)
        if len(s) == len(t):
            simplified.update(a for a, b in zip(s, t) if a != b and CJK.match(a))
    return simplified - traditional


class ScreenText(HTMLParser):
    """Collects the screen's own words (not the data), and the links to follow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.kinds = []
        self.texts = []
        self.cells = []
        self.links = []
        self.menu_links = []
        self._nav_depth = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
            self.kinds.append({tag, *(attrs.get("class") or "").split()})
        if tag == "div" and "navbar" in (attrs.get("class") or "").split() and self._nav_depth is None:
            self._nav_depth = len(self.stack)
        for name in CHECKED_ATTRS:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            (self.menu_links if self._nav_depth is not None else self.links).append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            top = self.stack.pop()
            self.kinds.pop()
            if self._nav_depth is not None and len(self.stack) < self._nav_depth:
                self._nav_depth = None
            if top == tag:
                break

    def handle_data(self, data):
        if not data.strip():
            return
        ui_in_cell = any(k & UI_IN_CELL for k in self.kinds) and not {"option", "textarea", "script", "style"} & set(self.stack)
        if any(t in SKIP_TEXT_IN for t in self.stack) and not ui_in_cell:
            if "td" in self.stack and not any(t in ("script", "style") for t in self.stack):
                self.cells.append(data.strip())
            return
        self.texts.append(data.strip())


def parse(html):
    p = ScreenText()
    p.feed(html)
    return p


def offences(texts, locale, data_words, simplified):
    """The strings of ``texts`` in the wrong script or language, or naming an internal name."""
    found = []
    for text in texts:
        clean = text
        for word in sorted(data_words, key=len, reverse=True):
            clean = clean.replace(word, " ")
        for name in LANGUAGE_NAMES:
            clean = clean.replace(name, " ")
        if INTERNAL.search(clean):
            found.append(("internal", text))
            continue
        if locale == "en":
            if CJK.search(clean):
                found.append(("cjk", text))
            continue
        latin = [w.strip(".'-") for w in LATIN_WORD.findall(clean)]
        bad = [w for w in latin if w and w not in LATIN_ALLOWED and (w in LATIN_REFUSED or not CODE.match(w))]
        if bad:
            found.append(("latin", text))
        elif locale == "zh_HK" and any(ch in simplified for ch in clean):
            found.append(("simplified", text))
    return found


def cell_offences(cells, locale, data_words):
    """Table cells are data, except FAB's own renderings: booleans, None, role names."""
    found = []
    for text in cells:
        clean = text
        for word in sorted(data_words, key=len, reverse=True):
            clean = clean.replace(word, " ")
        if re.search(r"\bTrue\b|\bFalse\b|\bNone\b", clean):
            found.append(("internal", text))
        elif locale != "en" and set(re.findall(r"[A-Za-z]+", clean)) & ROLE_NAMES:
            found.append(("role", text))
    return found


LIST_LINK = re.compile(r"^/[a-z0-9_]+/list/?$")
ROW_LINK = re.compile(r"^/[a-z0-9_]+/(show|edit)/[^/?#]+$")


def menu_targets(menu_links):
    out = []
    for href in menu_links:
        href = href.split("#")[0]
        if not href.startswith("/") or href.startswith(("/lang/", "/logout", "/static/", "/swagger")):
            continue
        if href not in out:
            out.append(href)
    return out


def first_row_links(links):
    """The first show link and the first edit link of a list page."""
    out = {}
    for href in links:
        path = href.split("?")[0]
        m = ROW_LINK.match(path)
        if m and m.group(1) not in out:
            out[m.group(1)] = path
    return list(out.values())
