"""File reading for imports (backoffice/imports/reading.py): formats, encodings, headers, cells."""
import datetime as dt
import io
from decimal import Decimal

import pytest

from backoffice.imports.reading import (
    CellError, ImportFileError, clean_number, detect_encoding, map_headers, normalise_header,
    parse_bool, parse_date, parse_decimal, parse_int, parse_month, read_table, sniff_format,
)

ALIASES = {normalise_header(k): v for k, v in {
    "client": "client", "客户编码": "client", "month": "month", "月份": "month",
    "amount": "amount", "金额（元）": "amount", "Amount (yuan)": "amount",
}.items()}
REQUIRED = ["client", "month", "amount"]


def read(data, **kw):
    return read_table(data, ALIASES, REQUIRED, **kw)


# -- encodings and formats -----------------------------------------------------------------------------
def test_gb18030_utf8_and_bom_are_detected_and_chinese_survives():
    text = "客户编码,月份,金额（元）\nC001,2026-11,1\nC002,2026-12,2\n"
    names = "客户编码,月份,金额（元）\n城东食杂店,2026-11,1\n"
    for encoding, expected in (("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")):
        data = names.encode(encoding)
        assert detect_encoding(data) == expected
        table = read(data)
        assert table.frame.loc[2, "client"] == "城东食杂店"
        assert list(table.frame.columns) == ["client", "month", "amount"]
    assert len(read(text.encode("gb18030"))) == 2


def test_utf16_with_bom_and_tab_delimiter():
    data = "客户编码\t月份\t金额（元）\r\nC001\t2026-11\t1\r\n".encode("utf-16")
    assert read(data).frame.loc[2, "month"] == "2026-11"


def test_row_numbers_are_the_spreadsheets_and_blank_rows_are_skipped():
    data = "client,month,amount\nA,2026-11,1\n\n,,\nB,2026-12,2\n".encode()
    table = read(data)
    assert list(table.frame.index) == [2, 5]
    assert table.ignored_rows == 2


def test_cells_stay_text_na_and_leading_zeros_kept():
    table = read("client,month,amount\n007,2026-11,NA\nNA,2026-11,1\n".encode())
    assert table.frame.loc[2, "client"] == "007" and table.frame.loc[2, "amount"] == "NA"
    assert table.frame.loc[3, "client"] == "NA"


def test_headers_match_names_and_labels_ignoring_case_width_and_blanks():
    data = " CLIENT ,月份,金额(元)\nA,2026-11,1\n".encode()
    assert list(read(data).frame.columns) == ["client", "month", "amount"]
    data = "Client,Month,amount (YUAN)\nA,2026-11,1\n".encode()
    assert list(read(data).frame.columns) == ["client", "month", "amount"]


def test_xlsx_first_sheet_is_read_as_text():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户编码", "月份", "金额（元）"])
    ws.append(["城东", dt.datetime(2026, 11, 1), 1234.5])
    ws.append([None, None, None])
    ws.append(["C2", "2026/12", 7])
    buf = io.BytesIO()
    wb.save(buf)
    table = read(buf.getvalue(), filename="x.xlsx")
    assert table.fmt == "xlsx"
    assert table.frame.loc[2, "client"] == "城东"
    assert parse_month(table.frame.loc[2, "month"]) == dt.date(2026, 11, 1)
    assert parse_decimal(table.frame.loc[2, "amount"]) == Decimal("1234.5")
    assert table.frame.loc[4, "amount"] == "7"


@pytest.mark.parametrize("data,code", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (bytes(range(256)) * 20, "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
    (b"PK\x03\x04garbage-not-a-zip" * 10, "bad_xlsx"),
    ("client,month,amount\n".encode(), "no_rows"),
    ("client,month,amount\nA,2026-11,1,extra,cells\n".encode(), "bad_csv"),
    ("foo,client,month,amount\n1,A,2026-11,1\n".encode(), "unknown_columns"),
    ("client,month\nA,2026-11\n".encode(), "missing_columns"),
    ("client,client,month,amount\nA,A,2026-11,1\n".encode(), "duplicate_columns"),
    ("\nclient,month,amount\n".encode(), "no_header"),
    # Neither UTF-8 nor GB18030 (0xFF never starts a GB18030 character).
    ("client,month,amount\n".encode() + b"\xff\xfe\xfd,2026-11,1\n", "encoding"),
])
def test_malformed_files_raise_a_coded_error(data, code):
    with pytest.raises(ImportFileError) as exc:
        read(data)
    assert exc.value.code == code


def test_ten_megabytes_of_garbage_fail_fast_and_clearly():
    import random
    import time

    rnd = random.Random(1)
    data = "".join(rnd.choice("xyz,;\"\n ") for _ in range(100_000)).encode() * 100
    start = time.perf_counter()
    with pytest.raises(ImportFileError) as exc:
        read(data)
    assert exc.value.code in ("unknown_columns", "missing_columns", "bad_csv", "no_header")
    assert time.perf_counter() - start < 10


def test_sniff_format():
    assert sniff_format(b"a,b\n1,2\n") == "csv"
    assert sniff_format(b"PK\x03\x04rest") == "xlsx"


def test_map_headers_ignores_unnamed_padding_columns():
    mapping, seen = map_headers(["client", "", "month", "amount", " "], ALIASES, REQUIRED)
    assert mapping == {0: "client", 2: "month", 3: "amount"}
    assert seen["client"] == "client"


# -- cells -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2026-11", "2026/11", "2026-11-01", "202611", "20261101", "2026.11",
                                  "2026年11月", " 2026-11 ", "2026-11-01 00:00:00", "２０２６-１１"])
def test_months(text):
    assert parse_month(text) == dt.date(2026, 11, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-11-15", "11/2026", "2026", "abc", "", "202600", "1800-01"])
def test_bad_months(text):
    with pytest.raises(CellError):
        parse_month(text)


def test_dates():
    assert parse_date("2026-11-22") == dt.date(2026, 11, 22)
    assert parse_date("2026/1/2") == dt.date(2026, 1, 2)
    assert parse_date("20261122") == dt.date(2026, 11, 22)
    assert parse_date("2026-11-22 00:00:00") == dt.date(2026, 11, 22)
    for bad in ("2026-02-30", "22/11/2026", "x"):
        with pytest.raises(CellError):
            parse_date(bad)


@pytest.mark.parametrize("text,value", [
    ("1,234.50", "1234.50"), ("1234.5", "1234.5"), ("¥1,234,567.00", "1234567.00"), ("-3", "-3"),
    ("１，２３４.５", "1234.5"), ("0.5", "0.5"), (".5", ".5"),
])
def test_numbers_with_thousands_separators(text, value):
    assert clean_number(text) == value


@pytest.mark.parametrize("text", ["1,2", "12,34.5", "1.2.3", "abc", "1e5", "", "1,234,56"])
def test_bad_numbers(text):
    with pytest.raises(CellError):
        clean_number(text)


def test_decimal_places_and_integers():
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    assert parse_decimal("1.230") == Decimal("1.23")
    with pytest.raises(CellError) as exc:
        parse_decimal("1.234")
    assert exc.value.code == "places"
    assert parse_int("1,200") == 1200 and parse_int("1200.0") == 1200
    with pytest.raises(CellError):
        parse_int("12.5")


def test_booleans():
    assert parse_bool("是") is True and parse_bool("Yes") is True and parse_bool("1") is True
    assert parse_bool("否") is False and parse_bool("") is False and parse_bool("no") is False
    with pytest.raises(CellError):
        parse_bool("maybe")
