"""CSV export of every list screen and of the REST API (SPEC §9).

An export holds exactly what the list shows: the same FAB filters parsed from the same request
arguments (``_flt_*`` on screens, Rison ``q`` on the API), the same sort (with the primary key as
tie-breaker, as FAB pages it), the same ``base_filters`` (the row scope, SPEC §1), the visible
columns under their translated headers, and the values as the screens print them (labels for
codes, 是/否, ¥ amounts, dates) -- across all pages.

It streams: the rows come from a server-side cursor (``yield_per``) in batches, related records
are looked up once per batch, and each batch is written to the response before the next is
read, so memory stays flat whatever the row count. UTF-8 with BOM by default (Excel on Chinese
Windows opens it), GB18030 on request (``?encoding=gb18030``). Cells that begin with ``=``,
``+``, ``-``, ``@``, tab or carriage return get a leading ``'`` (CSV injection). Every export
is written to the change log with who, which list, which filters and how many rows.

FAB has no export of its own (FAB-RQ-NOTES fact 1): ``can_export`` is a permission of ours,
created by ``@permission_name("export")`` on the routes below.
"""
import csv
import datetime as dt
import decimal
import enum
import io
import logging
from functools import reduce

import prison
import sqlalchemy as sa
from flask import Response, abort, request, stream_with_context, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import safe
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import gettext as _
from markupsafe import Markup

from backoffice.audit import log_entry, record_label
from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.formatting import formatters_for
from backoffice.formatting import plain as plain_formatter

log = logging.getLogger(__name__)

ENCODINGS = {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "gb18030": "gb18030"}
DEFAULT_ENCODING = "utf-8"
BATCH_SIZE = 2000
# SPEC §9: a cell a spreadsheet would read as a formula or a control sequence.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_PREFIXES)
EXPORT_PERMISSION = "can_export"


def neutralise(text):
    """Prefix a single quote to text a spreadsheet would run as a formula (SPEC §9)."""
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _plain(out):
    if out is None:
        return ""
    if isinstance(out, Markup):
        return out.striptags()
    return str(out)


class _Column:
    """One exported column: how to select it, and how to turn the selected value into a cell."""

    def __init__(self, name, formatter):
        self.name = name
        self.formatter = formatter
        self.cache = {}  # raw value -> cell, for the columns whose values repeat

    def column_function(self, expr):
        """The fastest correct ``[values] -> [cells]`` for this column, chosen once per export.

        Codes and flags repeat on every row: they are formatted once per distinct value and then
        looked up by ``dict.__getitem__`` over the whole column (no Python call per cell).
        """
        ctype = getattr(expr, "type", None)
        fmt = self.formatter
        if isinstance(ctype, (sa.Boolean, sa.Enum)) or _is_choice(expr):
            cells = _Cells(self.cell)
            lookup = cells.__getitem__
            return lambda values: list(map(lookup, values))
        if isinstance(ctype, sa.String) and (fmt is None or fmt is plain_formatter):
            first = FORMULA_FIRST
            # Text as typed, neutralised (SPEC §9); None becomes an empty cell in csv.writer.
            return lambda values: [v if not v or v[0] not in first else "'" + v for v in values]
        cell = self.cell
        return lambda values: list(map(cell, values))

    def cell(self, value):
        if isinstance(value, (enum.Enum, bool)):
            # Codes and flags repeat on every row: format each value once per export.
            cell = self.cache.get(value)
            if cell is None:
                cell = self.cache[value] = _plain(self.formatter(value) if self.formatter else value)
            return cell
        if isinstance(value, str):
            # Text a person typed: neutralised (SPEC §9). Numbers, dates and codes we format
            # ourselves cannot carry a formula, so "-12.50" stays a number.
            return neutralise(_plain(self.formatter(value)) if self.formatter else value)
        if value is None:
            return _plain(self.formatter(None)) if self.formatter else ""
        return _plain(self.formatter(value)) if self.formatter else _plain(value)


class ExportQuery:
    """The list's query, turned into streamed CSV rows.

    ``filters``: FAB ``Filters`` already joined with the view's ``base_filters``;
    ``columns``: the visible columns (plain columns, to-one relations, ``relation.column``).
    """

    def __init__(self, datamodel, filters, order_column, order_direction, columns, labels, formatters):
        self.datamodel = datamodel
        self.model = datamodel.obj
        self.filters = filters
        self.order_column = order_column or ""
        self.order_direction = order_direction or ""
        self.columns = list(columns)
        self.labels = labels
        self.formatters = formatters
        self.rows = 0
        self.batches = 0
        self._mapper = sa.inspect(self.model)

    # -- what each column selects ---------------------------------------------------------------
    def _relation(self, key):
        rel = self._mapper.relationships.get(key) if key in self._mapper.relationships else None
        if rel is None or rel.uselist or len(rel.local_columns) != 1:
            return None
        (col,) = rel.local_columns
        if col.table is not self._mapper.local_table:
            return None
        return rel

    def _plan(self):
        """(select expressions, per-column getters) or None when a column needs the ORM object."""
        exprs, getters = [], []
        for name in self.columns:
            root, _dot, leaf = name.partition(".")
            if not leaf and root in self._mapper.column_attrs:
                exprs.append(getattr(self.model, root))
                getters.append(("value", len(exprs) - 1, None, None))
                continue
            rel = self._relation(root)
            if rel is None or "." in leaf:
                return None
            (fk,) = rel.local_columns
            exprs.append(fk)
            getters.append(("related", len(exprs) - 1, rel, leaf or None))
        return exprs, getters

    def _base_query(self):
        query = self.datamodel.session.query(self.model)
        # FAB's own filtering and ordering, as on the list page (minus the page limit).
        return self.datamodel.apply_all(query, self.filters, self.order_column, self.order_direction)

    def check(self):
        """Run the query once with LIMIT 0: a filter the database refuses (a value out of range,
        a code it does not know) fails here, while the answer can still be a 4xx
        (views/errors.py), instead of after the header row has gone out (issue #9). The rows
        themselves are read later, in the stream, from a server-side cursor."""
        self.datamodel.session.execute(self._base_query().limit(0).statement).close()

    def header(self):
        return [str(self._label(c)) for c in self.columns]

    def _label(self, name):
        root, _dot, leaf = name.partition(".")
        if leaf:  # "owner.name" -> "客户经理 名称" (FAB's generated label would be English)
            return f"{self.labels.get(root, root)} {self.labels.get(leaf, leaf)}"
        return self.labels.get(name, name)

    # -- rows -------------------------------------------------------------------------------------
    def batches_of_cells(self, batch_size=BATCH_SIZE):
        columns = [_Column(c, None if "." in c else self.formatters.get(c)) for c in self.columns]
        plan = self._plan()
        if plan is None:
            yield from self._orm_batches(columns, batch_size)
            return
        exprs, getters = plan
        # Codes are read as their stored text and turned into labels once per distinct value.
        selected = [sa.type_coerce(e, sa.String) if _is_choice(e) else e for e in exprs]
        stmt = self._base_query().with_entities(*selected).statement
        session = self.datamodel.session
        # Core execution of the ORM's statement: the rows are plain tuples, no ORM loading.
        result = session.connection().execute(stmt, execution_options={"yield_per": batch_size, "stream_results": True})
        related = {}  # (relation key, leaf) -> {fk: cell}
        column_fns = []
        for column, (kind, idx, rel, leaf), expr in zip(columns, getters, exprs):
            if kind == "related":
                lookup = related.setdefault((rel.key, leaf), {}).get  # None / unknown -> empty cell
                column_fns.append(lambda values, lookup=lookup: list(map(lookup, values)))
            else:
                column_fns.append(column.column_function(expr))
        try:
            for rows in _partitions(result, selected, batch_size):
                if not rows:
                    continue
                self.batches += 1
                self._resolve(session, rows, getters, related)
                # Column by column: one pass of a C-level lookup per column instead of a Python
                # call per cell; csv.writer takes the re-zipped rows.
                values = list(zip(*rows))
                out = list(zip(*[fn(values[idx]) for fn, (_k, idx, _r, _l) in zip(column_fns, getters)]))
                self.rows += len(out)
                yield out
        finally:
            result.close()

    def _resolve(self, session, rows, getters, related):
        """Look the related records of one batch up in one query per relation."""
        for kind, idx, rel, leaf in getters:
            if kind != "related":
                continue
            known = related.setdefault((rel.key, leaf), {})
            wanted = {row[idx] for row in rows if row[idx] is not None} - known.keys()
            if not wanted:
                continue
            if len(known) > 50000:  # keep memory flat on exports that touch many related rows
                known.clear()
                wanted = {row[idx] for row in rows if row[idx] is not None}
            target = rel.mapper.class_
            pk = sa.inspect(target).primary_key[0]
            formatter = self.formatters.get(rel.key) if leaf is None else None
            for obj in session.execute(sa.select(target).where(pk.in_(wanted))).scalars():
                value = getattr(obj, leaf) if leaf else obj
                if leaf is None:
                    text = _plain(formatter(value)) if formatter else _plain(value)
                else:
                    text = _Column(leaf, None).cell(value) if value is not None else ""
                known[getattr(obj, pk.key)] = neutralise(text)

    def _orm_batches(self, columns, batch_size):
        """Fallback for columns that are properties or methods: stream ORM rows in batches."""
        query = self._base_query().yield_per(batch_size)
        batch = []
        for item in query:
            cells = []
            for column in columns:
                value = _attr_value(item, column.name)
                cells.append(column.cell(value))
            batch.append(cells)
            if len(batch) >= batch_size:
                self.batches += 1
                self.rows += len(batch)
                yield batch
                batch = []
        if batch:
            self.batches += 1
            self.rows += len(batch)
            yield batch


def _is_choice(expr):
    enum_class = getattr(getattr(expr, "type", None), "enum_class", None)
    return enum_class is not None and issubclass(enum_class, enum.Enum)


def _partitions(result, selected, batch_size):
    """Batches of rows from the streamed result.

    When SQLAlchemy would pass every value through unchanged (no result processor: the case for
    these columns on PostgreSQL/psycopg), the DBAPI cursor's own tuples are taken as they come,
    skipping the Row objects; otherwise (SQLite: dates as text, booleans as 0/1) the result's
    partitions do the conversions.
    """
    metadata = getattr(result, "_metadata", None)
    raw = (
        metadata is not None and getattr(metadata, "_tuplefilter", None) is None
        and getattr(metadata, "_effective_processors", "unknown") is None
    )
    cursor = getattr(result, "cursor", None)
    if not raw or cursor is None:
        yield from result.partitions(batch_size)
        return
    # The first batch through the result: it empties the rows SQLAlchemy has already buffered.
    rows = result.fetchmany(batch_size)
    if not rows:
        return
    yield rows
    if len(rows) < batch_size or result.closed:  # all read: SQLAlchemy has closed the cursor
        return
    while True:
        rows = cursor.fetchmany(batch_size)
        if not rows:
            return
        yield rows


class _Cells(dict):
    """value -> cell, formatted on first sight (``__missing__``), then a plain dict lookup."""

    def __init__(self, make):
        super().__init__()
        self._make = make

    def __missing__(self, value):
        cell = self[value] = self._make(value)
        return cell


def _attr_value(item, name):
    try:
        value = reduce(getattr, name.split("."), item)
    except AttributeError:
        return None
    return value() if callable(value) else value


def csv_stream(export, encoding, on_close):
    """Encoded CSV chunks, one per batch; ``on_close(rows, complete)`` runs at the end."""
    codec = ENCODINGS[encoding]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode(codec if codec != "utf-8-sig" else "utf-8")

    complete = False
    try:
        writer.writerow([neutralise(h) for h in export.header()])
        head = take()
        yield (b"\xef\xbb\xbf" + head) if codec == "utf-8-sig" else head
        for cells in export.batches_of_cells():
            writer.writerows(cells)
            yield take()
        complete = True
    finally:
        on_close(export.rows, complete)


def chosen_encoding():
    enc = (request.args.get("encoding") or DEFAULT_ENCODING).lower()
    if enc not in ENCODINGS:
        abort(400, description=_("Unknown encoding %(encoding)s.", encoding=enc))
    return enc


def csv_response(export, filename_stem, filters_desc, encoding):
    """The streamed HTTP response; the export is logged when the stream ends (SPEC §9)."""
    table = export.model.__tablename__

    def on_close(rows, complete):
        try:
            log_entry(
                "export", table,
                summary=_("%(list)s: %(rows)s rows", list=str(record_label(table)), rows=f"{rows:,}"),
                details={
                    "list": filename_stem, "filters": filters_desc, "order": [export.order_column, export.order_direction],
                    "columns": export.columns, "rows": rows, "complete": complete, "encoding": encoding,
                    "record_type": str(record_label(table)),
                },
            )
            db.session.commit()
        except Exception:  # the file is already sent: never let logging break the stream
            log.exception("could not log export of %s", table)
            db.session.rollback()

    export.check()  # before the first byte
    stamp = business_now().strftime("%Y%m%d-%H%M%S")  # the file name a person reads: business time
    filename = f"{filename_stem}-{stamp}.csv"
    charset = "utf-8" if encoding.startswith("utf") else "gb18030"
    response = Response(
        stream_with_context(csv_stream(export, encoding, on_close)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Accel-Buffering": "no",  # let proxies pass the stream on as it comes
            "Cache-Control": "no-store",
        },
    )
    response.charset = charset
    response.content_type = f"text/csv; charset={charset}"
    return response


def _describe(filters):
    """The active filters as (column, filter, value) triples for the change log."""
    return [
        [flt.column_name, str(getattr(flt, "name", type(flt).__name__)), _jsonable(value)]
        for flt, value in zip(filters.filters, filters.values)
    ]


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, decimal.Decimal)):
        return str(value)
    return str(value)


class ExportMixin:
    """Mixed into ``ScopedModelView``: ``/<view>/export/`` and the button on the list page."""

    list_template = "export/list.html"

    def __init__(self, **kwargs):
        # Views that spell out their permissions still get their export (SPEC §9: every list).
        if self.base_permissions is not None and EXPORT_PERMISSION not in self.base_permissions:
            self.base_permissions = list(self.base_permissions) + [EXPORT_PERMISSION]
        super().__init__(**kwargs)

    def export_query(self):
        """The list's query from the current request: filters, sort, scope, visible columns."""
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters)
        order = get_order_args().get(self.__class__.__name__)
        order_column, order_direction = order if order else ("", "")
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined = filters.get_joined_filters(self._base_filters)
        export = ExportQuery(
            self.datamodel, joined, order_column, order_direction, self.list_columns,
            self.label_columns, self.formatters_columns,
        )
        return export, filters

    @expose("/export/")
    @has_access
    @permission_name("export")
    def export(self):
        encoding = chosen_encoding()
        export, filters = self.export_query()
        args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "encoding"}
        return csv_response(
            export, self.route_base.strip("/"),
            {"user_filters": _describe(filters), "args": args}, encoding,
        )

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs.setdefault("export_url", self._export_url())
        return super().render_template(template, **kwargs)

    def _export_url(self):
        """The export link for the list as shown (None for users without ``can_export``)."""
        if not self.appbuilder.sm.has_access(EXPORT_PERMISSION, self.class_permission_name):
            return None
        args = request.args.to_dict(flat=False)
        args.pop("encoding", None)
        for key in [k for k in args if k.startswith(("page_", "psize_"))]:
            args.pop(key)
        return url_for(f"{self.endpoint}.export", **args)


class ApiExportMixin:
    """Mixed into ``ScopedApi``: ``GET /api/v1/<resource>/export.csv?q=(...)`` for scripts.

    ``q`` takes the Rison arguments of FAB's list endpoint (``filters``, ``order_column``,
    ``order_direction``, ``columns``); paging arguments are ignored: an export holds all pages.
    """

    @api_expose("/export.csv", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    def export_csv(self):
        try:
            args = prison.loads(request.args.get("q", "()")) or {}
        except Exception:
            return self.response_400(message=_("The q argument is not valid Rison."))
        if not isinstance(args, dict):
            return self.response_400(message=_("The q argument is not valid Rison."))
        encoding = (request.args.get("encoding") or DEFAULT_ENCODING).lower()
        if encoding not in ENCODINGS:
            return self.response_400(message=_("Unknown encoding %(encoding)s.", encoding=encoding))
        try:
            filters = self.datamodel.get_filters(search_columns=self.search_columns, search_filters=self.search_filters)
            filters.rest_add_filters(args.get("filters", []))
            order_column, order_direction = self._handle_order_args(args)
        except FABException as e:
            return self.response_400(message=str(e))
        columns = [c for c in (args.get("columns") or self.list_columns) if c in self.list_columns]
        export = ExportQuery(
            self.datamodel, filters.get_joined_filters(self._base_filters), order_column, order_direction,
            columns, self.label_columns, formatters_for(self.datamodel.obj),
        )
        return csv_response(
            export, self.resource_name,
            {"user_filters": _describe(filters), "q": request.args.get("q", "")}, encoding,
        )
