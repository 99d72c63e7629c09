"""The one PostgreSQL ``COPY ... FROM STDIN`` writer (issue #10).

The purchase import, the survey-answer import and the recalculation's result table all load
rows this way: the fastest way into PostgreSQL, on the connection (and so in the transaction)
of the SQLAlchemy session that calls it. SQLite has no COPY; callers use an executemany there.
"""


def copy_rows(conn, table, columns, rows):
    """COPY ``rows`` into ``table`` (``columns``: names) on ``conn``, a SQLAlchemy Connection.

    ``rows``: tuples, each converted by psycopg; or one string already in COPY's text format
    (tab-separated, ``\\N`` for NULL, a newline per row), the cheapest for a million purchase
    rows. Returns the number of tuples written (0 for text).
    """
    names = columns if isinstance(columns, str) else ", ".join(columns)
    count = 0
    with conn.connection.dbapi_connection.cursor() as cur:
        with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            if isinstance(rows, str):
                copy.write(rows)
            else:
                for row in rows:
                    copy.write_row(row)
                    count += 1
    return count
