"""Running an import end to end: read, check every row, write all valid changes in one transaction.

SPEC §9: "validate every row first, show the errors by row and column, and commit all or
nothing. A re-import of the same file does not duplicate rows."

Modes:
- ``dry_run``: check only (the preview); nothing is written.
- ``all_or_nothing``: if any row is rejected nothing is written; else everything is.
- ``valid_rows``: the valid rows are written, the rejected ones reported.

Writes happen inside one database transaction, committed at the end (or rolled back): a
reader never sees half an import, and a job killed mid-way leaves nothing (SPEC §8); the loop
is ``imports.base.run_import``, shared with the survey-answer import. Clients go
through the ORM (derived columns, automatic change log); purchases, which come by the hundred
thousand, go through a staging table: ``COPY`` on PostgreSQL (executemany elsewhere), then one
``INSERT ... SELECT ... ON CONFLICT (client_id, month) DO UPDATE ... WHERE <a value differs>``.
"""
import logging

import sqlalchemy as sa
from flask import current_app

from backoffice.clock import business_stamp
from backoffice.extensions import db
from backoffice.imports.base import CHUNK_ROWS, MODES, header_aliases, run_import  # noqa: F401  (MODES: views)
from backoffice.imports.clients import ClientPlanner
from backoffice.imports.purchases import PurchasePlanner
from backoffice.imports.reading import read_table
from backoffice.audit import log_bulk_change
from backoffice.models import PurchaseRecord
from backoffice.pgcopy import copy_rows

log = logging.getLogger(__name__)

PLANNERS = {"clients": ClientPlanner, "purchases": PurchasePlanner}
TABLES = {"clients": "client", "purchases": "purchase_record"}


def columns_of(kind):
    return PLANNERS[kind].columns


def read_upload(kind, data, filename=""):
    """The upload as a ``reading.Table`` with field-named columns (raises ImportFileError)."""
    columns = columns_of(kind)
    return read_table(
        data, header_aliases(columns), [c.field for c in columns if c.required], filename=filename,
        missing_label={c.field: c.label for c in columns},
    )


def import_file(kind, data, *, user=None, mode="dry_run", filename="", progress=None, chunk_rows=CHUNK_ROWS):
    """Check (and unless ``dry_run``, write) an upload. Returns the ``ImportResult``.

    ``progress(done, total)`` is called after every chunk. Raises ``ImportFileError`` when the
    file as a whole is unusable. Commits on success; rolls back whatever it wrote otherwise.
    """
    def make_writer(planner, user):
        return PurchaseWriter(user) if kind == "purchases" else planner

    result = run_import(
        kind, mode, user, lambda: read_upload(kind, data, filename),
        lambda table, user: PLANNERS[kind](user, list(table.frame.columns)), make_writer,
        progress=progress, chunk_rows=chunk_rows,
        before_commit=lambda result: log_import(result, user, filename),
    )
    if result.committed:
        refresh_statistics(result)
    return result


def refresh_statistics(result):
    """After a large write, tell PostgreSQL's planner what the table holds now.

    Until autovacuum gets round to it (a minute or more), the planner still believes the
    table's old size: right after the first million purchases it thinks the table is nearly
    empty and scans all of it for every look-up of the next import or recalculation. ``ANALYZE``
    samples the table (a fraction of a second) and takes no lock that blocks readers or writers.
    """
    written = result.counts["create"] + result.counts["update"]
    if written < current_app.config["IMPORT_ANALYZE_ROWS"] or db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(sa.text(f"ANALYZE {TABLES[result.kind]}"))
    db.session.commit()


class TableStatistics:
    """Keeps PostgreSQL's statistics of a table that an import fills within a factor of two.

    The check of each chunk looks up the stored rows of its clients. With statistics of a table
    that has since grown from nothing (the first import of a year of purchases), the planner
    takes the look-up for "every row matches" and scans the whole table for each chunk, which
    makes the import quadratic. So whenever the rows this import added reach what the table held
    at the last estimate, ``ANALYZE`` runs again inside the transaction, where it counts the
    import's own rows (a fraction of a second; it blocks no reader or writer). A table that is
    already large is never analysed mid-way.
    """

    def __init__(self, table, conn):
        self.table, self.conn = table, conn
        self.minimum = current_app.config["IMPORT_ANALYZE_ROWS"]
        self.estimate = self._estimate()
        self.added = 0

    def _estimate(self):
        return max(0, self.conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                                        {"t": self.table}).scalar() or 0)

    def grew(self, rows):
        self.added += rows
        if self.added >= max(self.minimum, self.estimate):
            self.conn.execute(sa.text(f"ANALYZE {self.table}"))
            self.estimate, self.added = self._estimate(), 0


def log_import(result, user, filename):
    """The change log of an import, as its user (``g.user``).

    Clients are written through the ORM, whose flush events log every created record and
    changed field (``backoffice.audit``). Purchases are written by one bulk statement, which
    fires no ORM event: it is logged as bulk changes (how many created, how many updated, from
    which file), with ``audit.log_bulk_change`` in the same transaction.
    """
    if result.kind != "purchases":
        return
    details = {
        "import": filename or "", "unchanged": result.counts["unchanged"], "rejected": result.counts["reject"],
        "mode": result.mode,
    }
    for action in ("create", "update"):
        if result.counts[action]:
            log_bulk_change(PurchaseRecord, action, result.counts[action], details=details)
    db.session.flush()


def _sqlstate(exc):
    return getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)


class PurchaseWriter:
    """Writes checked purchase rows inside the import's transaction.

    PostgreSQL: rows the check found absent are copied straight into ``purchase_record``
    (``COPY``, the fastest way in), each chunk under a savepoint: if another session inserted
    the same (client, month) meanwhile, the unique key refuses the chunk, the savepoint is
    rolled back and the chunk goes the safe way instead. Rows to update (and those chunks) are
    staged in a temporary table and merged at the end by one ``INSERT ... SELECT ... ON CONFLICT
    (client_id, month) DO UPDATE ... WHERE <a value differs>``, so a row is only rewritten when
    it changes. SQLite: everything is staged and merged the same way.
    """

    STAGE = "purchase_import_stage"
    COLUMNS = "client_id, month, quantity, amount, profit"

    def __init__(self, user):
        self.user_id = getattr(user, "id", None)
        self.conn = db.session.connection()
        self.postgres = self.conn.dialect.name == "postgresql"
        self.staged = 0
        self.statistics = TableStatistics("purchase_record", self.conn) if self.postgres else None
        # The same clock as AuditMixin's stamps on ORM rows (business time, models.base).
        self.now = business_stamp()
        self.conn.execute(sa.text(f"DROP TABLE IF EXISTS {self.STAGE}"))
        self.conn.execute(sa.text(
            f"CREATE TEMPORARY TABLE {self.STAGE} (client_id INTEGER NOT NULL, month DATE NOT NULL, "
            f"quantity INTEGER NOT NULL, amount NUMERIC(14, 2) NOT NULL, profit NUMERIC(14, 2))"
            + (" ON COMMIT DROP" if self.postgres else "")
        ))

    @staticmethod
    def _copy_text(rows, audit=""):
        null = "\\N"  # COPY's text-format NULL
        return "".join(
            f"{c}\t{m.isoformat()}\t{q}\t{a}\t{null if p is None else p}{audit}\n" for c, m, q, a, p, *_rest in rows
        )

    def stage(self, rows):
        if not self.postgres:
            self.staged += len(rows)
            self.conn.execute(
                sa.text(f"INSERT INTO {self.STAGE} VALUES (:c, :m, :q, :a, :p)"),
                [{"c": c, "m": m, "q": q, "a": str(a), "p": None if p is None else str(p)} for c, m, q, a, p, _n in rows],
            )
            return
        new = [r for r in rows if r[5]]
        rest = [r for r in rows if not r[5]]
        if new:
            audit = f"\t{self.now.isoformat(sep=' ')}\t{self.now.isoformat(sep=' ')}\t{self.user_id}\t{self.user_id}"
            try:
                with db.session.begin_nested():
                    copy_rows(self.conn, "purchase_record",
                              self.COLUMNS + ", created_on, changed_on, created_by_fk, changed_by_fk",
                              self._copy_text(new, audit))
            except Exception as exc:  # a raw COPY raises psycopg's own UniqueViolation
                if _sqlstate(exc) != "23505":
                    raise
                log.info("purchase import: %s new rows met concurrent inserts; merging them instead", len(new))
                rest += new
            else:
                self.statistics.grew(len(new))
        if rest:
            self.staged += len(rest)
            copy_rows(self.conn, self.STAGE, self.COLUMNS, self._copy_text(rest))

    def finish(self):
        if not self.staged:
            return 0
        differs = " OR ".join(
            f"purchase_record.{c} {'IS DISTINCT FROM' if self.postgres else 'IS NOT'} excluded.{c}"
            for c in ("quantity", "amount", "profit")
        )
        # "WHERE true" lets SQLite parse ON CONFLICT after INSERT ... SELECT.
        sql = (
            f"INSERT INTO purchase_record ({self.COLUMNS}, created_on, changed_on, created_by_fk, changed_by_fk) "
            f"SELECT {self.COLUMNS}, :now, :now, :uid, :uid FROM {self.STAGE} WHERE true "
            f"ON CONFLICT (client_id, month) DO UPDATE SET quantity = excluded.quantity, amount = excluded.amount, "
            f"profit = excluded.profit, changed_on = excluded.changed_on, changed_by_fk = excluded.changed_by_fk "
            f"WHERE {differs}"
        )
        written = self.conn.execute(sa.text(sql), {"now": self.now, "uid": self.user_id}).rowcount
        if not self.postgres:
            self.conn.execute(sa.text(f"DROP TABLE IF EXISTS {self.STAGE}"))
        return written
