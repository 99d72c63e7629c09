"""Reading an uploaded table: file type and encoding detection, header mapping, pandas read.

SPEC §9: imports accept CSV (UTF-8, UTF-8 with BOM, GB18030 — what Excel on Chinese Windows
writes — detected, not asked) and XLSX. Every cell is read as text (``dtype=str``); the kind
modules (``clients``, ``purchases``) convert and validate. Row numbers are the spreadsheet's:
the header is row 1, the first record row 2, blank rows keep their number.

Nothing here needs Flask or the database; a malformed file raises ``ImportFileError`` with a
code (for tests and logs) and a lazily translated message (for the person who uploaded it).
"""
import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from flask_babel import lazy_gettext as _l

from backoffice.rules.money import AmountError, clean_amount, parse_amount

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other Office binaries)
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# Excel and WPS on Chinese Windows write GB18030/GBK when "CSV" is chosen without "UTF-8".
TEXT_ENCODINGS = ("utf-8", "gb18030")
DELIMITERS = ",\t;|"
SNIFF_BYTES = 64 * 1024

MESSAGES = {
    "empty": _l("The file is empty."),
    "no_rows": _l("The file has a header row but no records."),
    "binary": _l("This is not a CSV or XLSX file (it looks like binary data)."),
    "xls": _l("Old Excel files (.xls) are not supported: save the sheet as .xlsx or CSV."),
    "bad_xlsx": _l("The XLSX file could not be read: %(detail)s"),
    "encoding": _l("The file's text encoding was not recognised: save it as CSV (UTF-8) or CSV (GB18030)."),
    "bad_csv": _l("The CSV file could not be read: %(detail)s"),
    "too_large": _l("The file is larger than the limit of %(limit)s MB."),
    "too_many_rows": _l("The file has more than %(limit)s rows."),
    "no_header": _l("The first row must hold the column names."),
    "missing_columns": _l("Required columns are missing: %(columns)s."),
    "unknown_columns": _l("Unknown columns: %(columns)s. Accepted column names are listed on the import page and in the template."),
    "duplicate_columns": _l("Columns given twice: %(columns)s."),
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` is translated when shown."""

    def __init__(self, code, **params):
        self.code, self.params = code, params
        super().__init__(f"{code}: {params}")

    @property
    def message(self):
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])


def normalise_header(text):
    """Header cell -> comparison key: full-width folded (NFKC), case and blanks ignored.

    "数量（条）", "数量(条)" and " 数量 ( 条 ) " are the same header; so are "Amount" and "AMOUNT".
    """
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s\u200b\ufeff*]+", "", text)


# -- what kind of file ----------------------------------------------------------------------------
def sniff_format(data, filename=""):
    """'xlsx' or 'csv' for the bytes of an upload; raises ImportFileError for anything else."""
    if not data or not data.strip():
        raise ImportFileError("empty")
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise ImportFileError("xls")
    head = data[:SNIFF_BYTES]
    if any(head.startswith(bom) for bom, _enc in BOMS):
        return "csv"
    # Text files never hold NUL or most C0 controls; binary data (images, archives, random
    # bytes) almost always does within the first few kilobytes.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or controls > len(head) // 100:
        raise ImportFileError("binary")
    return "csv"


def detect_encoding(data):
    """The encoding of CSV bytes: a BOM decides; else strict UTF-8; else GB18030.

    GB18030 decodes most byte strings, so UTF-8 is tried first (valid UTF-8 of Chinese text is
    almost never also meaningful GB18030 of the same length). Decoding the whole file strictly
    means a file mixing encodings is refused instead of being half garbled.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    for encoding in TEXT_ENCODINGS:
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError("encoding")


def _delimiter(first_line):
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# -- reading ----------------------------------------------------------------------------------------
@dataclass
class Table:
    """The text cells of an upload, columns renamed to field names."""

    frame: pd.DataFrame  # index = spreadsheet row number; columns = field names; cells = str
    fmt: str
    encoding: str = ""
    ignored_rows: int = 0  # blank rows skipped
    headers: dict = field(default_factory=dict)  # field -> header as written in the file

    def __len__(self):
        return len(self.frame)


def read_header_and_text(data):
    """(decoded text, header cells) of a CSV upload."""
    encoding = detect_encoding(data)
    text = data.decode(encoding)
    if encoding == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise ImportFileError("no_header")
    delimiter = _delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    return text, encoding, delimiter, header


def map_headers(header, aliases, required):
    """Map the file's header cells to field names.

    ``aliases``: normalised header -> field name (field names and their labels in every
    language); ``required``: fields that must be present. Returns {position: field}.
    """
    mapping, unknown, seen, duplicate = {}, [], {}, []
    for pos, cell in enumerate(header):
        key = normalise_header(cell)
        if not key:
            continue  # an unnamed column (trailing delimiter, spreadsheet padding) is ignored
        name = aliases.get(key)
        if name is None:
            unknown.append(str(cell).strip())
        elif name in seen:
            duplicate.append(str(cell).strip())
        else:
            seen[name] = str(cell).strip()
            mapping[pos] = name
    if duplicate:
        raise ImportFileError("duplicate_columns", columns="、".join(duplicate))
    if unknown:
        raise ImportFileError("unknown_columns", columns="、".join(unknown))
    missing = [f for f in required if f not in seen]
    if missing:
        raise ImportFileError("missing_columns", columns="、".join(missing))
    return mapping, seen


def read_table(data, aliases, required, *, filename="", max_rows=None, missing_label=None):
    """Read an upload into a ``Table``; every problem with the file as a whole raises ImportFileError.

    ``missing_label``: field -> how to name a missing column to the user (default: the field).
    """
    fmt = sniff_format(data, filename)
    try:
        if fmt == "xlsx":
            frame, encoding = _read_xlsx(data), ""
            header = [("" if str(c).startswith("Unnamed:") else c) for c in frame.columns]
        else:
            text, encoding, delimiter, header = read_header_and_text(data)
        try:
            mapping, seen = map_headers(header, aliases, required)
        except ImportFileError as exc:
            if exc.code == "missing_columns" and missing_label:
                names = [str(missing_label.get(f, f)) for f in required if f not in _fields_in(header, aliases)]
                exc.params["columns"] = "、".join(names)
            raise
        if fmt == "csv":
            frame = _read_csv(text, delimiter, len(header))
    except ImportFileError:
        raise
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise ImportFileError("bad_csv" if fmt == "csv" else "bad_xlsx", detail=_short(exc)) from None
    frame = frame.iloc[:, sorted(mapping)] if len(frame.columns) else frame
    frame.columns = [mapping[p] for p in sorted(mapping)]
    frame = frame.fillna("")
    frame.index = frame.index + 2  # spreadsheet row numbers: the header is row 1
    # Blank rows (every cell empty or spaces) are skipped; plain Python is faster here than
    # pandas' per-cell string methods.
    columns = [frame[c].tolist() for c in frame.columns]
    blank = [not any(cell.strip() for cell in row) for row in zip(*columns)] if columns else []
    ignored = sum(blank)
    if ignored:
        frame = frame[[not b for b in blank]]
    if not len(frame):
        raise ImportFileError("no_rows")
    if max_rows is not None and len(frame) > max_rows:
        raise ImportFileError("too_many_rows", limit=f"{max_rows:,}")
    return Table(frame=frame, fmt=fmt, encoding=encoding, ignored_rows=ignored, headers=seen)


def _fields_in(header, aliases):
    return {aliases.get(normalise_header(c)) for c in header}


def _short(exc):
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _read_csv(text, delimiter, width):
    # The C parser, every cell as text, nothing turned into NaN ("NA" is a valid name), blank
    # lines kept so row numbers stay those of the spreadsheet. A row with more cells than the
    # header is an error pandas reports with its line number -- except the first record, from
    # which pandas would silently drop the extra cells: that one is checked here.
    records = csv.reader(io.StringIO(text[:SNIFF_BYTES]), delimiter=delimiter)
    next(records, None)
    first = next(records, None)
    if first is not None and len(first) > width and any(c.strip() for c in first[width:]):
        raise ImportFileError("bad_csv", detail=f"row 2 has {len(first)} cells, the header {width}")
    with warnings.catch_warnings():  # empty trailing cells of row 2 ("a,b,c,"): harmless
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, skiprows=1, names=list(range(width)), index_col=False,
            dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
            quotechar='"', on_bad_lines="error",
        )


def _read_xlsx(data):
    try:
        # Only the first sheet; values as text (a date cell reads "2026-11-01 00:00:00").
        return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl", keep_default_na=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, EOFError) as exc:
        raise ImportFileError("bad_xlsx", detail=_short(exc)) from None
    except Exception as exc:  # openpyxl raises many private exception types on broken archives
        raise ImportFileError("bad_xlsx", detail=_short(exc)) from None


# -- cell converters shared by the kinds (pure; raise ValueError with a message code) -------------
_MONTH_PATTERNS = (
    re.compile(r"(\d{4})[-/.年](\d{1,2})月?"),  # 2026-11, 2026/11, 2026.11, 2026年11月
    # 2026-11-01 (also an Excel date cell read as text: "2026-11-01 00:00:00"); day must be 1
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?"),
    re.compile(r"(\d{4})(\d{2})"),  # 202611
    re.compile(r"(\d{4})(\d{2})(\d{2})"),  # 20261101
)
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


class CellError(ValueError):
    """A cell's text is not a value of the column's type; ``code`` names the message."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def parse_month(text):
    """'2026-11', '2026/11', '2026-11-01', '202611', '2026年11月' -> date(2026, 11, 1).

    A full date must be the first of the month: "2026-11-15" is refused rather than silently
    counted as November (a purchase month is a month, SPEC §2).
    """
    s = unicodedata.normalize("NFKC", text).strip()
    for pattern in _MONTH_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            day = int(m.group(3)) if pattern.groups == 3 else 1
            if day != 1 or not 1 <= month <= 12 or not 1900 <= year <= 9998:
                raise CellError("month")
            return dt.date(year, month, 1)
    raise CellError("month")


def parse_date(text):
    """'2026-11-22', '2026/11/22', '20261122', '2026年11月22日' (or an Excel date cell) -> date."""
    s = unicodedata.normalize("NFKC", text).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise CellError("date") from None
    raise CellError("date")


def clean_number(text):
    """Number text without thousands separators or a currency sign: '¥1,234.50' -> '1234.50'.

    The one reading of amount text (backoffice/rules/money.py, issue #11), with its error as a
    CellError('number') for the import's messages.
    """
    try:
        return clean_amount(text)
    except AmountError as exc:
        raise CellError(exc.code) from None


def parse_decimal(text, places=2):
    """Money text -> Decimal with at most ``places`` decimals (a fen more is refused, not rounded)."""
    try:
        return parse_amount(text, places)
    except AmountError as exc:
        raise CellError(exc.code) from None


def parse_int(text):
    """Whole-number text -> int ('1,200' and an Excel '1200.0' accepted; '12.5' refused)."""
    value = Decimal(clean_number(text))
    if value != value.to_integral_value():
        raise CellError("integer")
    return int(value)


TRUE_WORDS = {"1", "y", "yes", "true", "t", "是", "√", "✓"}
FALSE_WORDS = {"0", "n", "no", "false", "f", "否", ""}


def parse_bool(text):
    s = unicodedata.normalize("NFKC", text).strip().casefold()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise CellError("bool")
