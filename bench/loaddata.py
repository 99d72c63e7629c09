"""The load test's database: the demo company plus N generated clients, built once and reused.

    .venv/bin/python bench/loaddata.py                    # bo_load_1m: demo + 1,000,000 clients
    .venv/bin/python bench/loaddata.py --clients 100000 --name bo_load_100k

Building a million clients takes minutes on this machine, so the database is kept (named, on
BENCH_PG_ADMIN_URL) and reused by ``bench/load.py`` while its marker row says it is complete.
``--rebuild`` drops and builds it again.

What it holds: ``flask backoffice init`` + ``flask backoffice demo-data`` (the demo roles and
logins, password ``demo2026``), then N clients spread over the demo's client managers (each
client in its owner's department, as the demo does), by INSERT ... SELECT generate_series, and
one open ticket per (load-test user, slot) for the transitions (``bench/load.py`` owns them).
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PG_ADMIN_URL, log  # noqa: E402

MARKER = "bench_load_complete"


def url_of(name):
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def exists(name):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            return False
    with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, autocommit=True) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (MARKER,)).fetchone()[0]


def drop(name):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


CLIENTS_SQL = """
INSERT INTO client (code, name, status, owner_id, department_id, area, route, market_type, business_format_id,
                    region_class, service_level, key_account, development_potential, address, phone,
                    version, created_on, changed_on, created_by_fk, changed_by_fk)
SELECT 'L' || lpad(g::text, 7, '0'),
       (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴','徐','孙','胡','朱','高','林'])[1 + g % 16]
         || (ARRAY['记','氏','家','兴','福','顺','发','隆'])[1 + (g / 16) % 8]
         || (ARRAY['便利店','超市','烟酒行','商行','食杂店','百货'])[1 + (g / 128) % 6] || g,
       CASE WHEN g % 10 = 0 THEN 'inactive' ELSE 'active' END,
       o.id, o.department_id, '片区' || (1 + g % 12), '线路' || (1 + g % 40),
       CASE WHEN g % 3 = 0 THEN 'X' ELSE 'C' END,
       f.ids[1 + g % array_length(f.ids, 1)],
       (ARRAY['city_a','city_b','town','rural'])[1 + g % 4],
       (ARRAY['A','B','C'])[1 + g % 3], g % 17 = 0, false,
       '某市某区某路' || g || '号', '0571-' || (20000000 + g % 80000000),
       1, now(), now(), :u, :u
FROM generate_series(1, :n) AS g
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM business_format) AS f
JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, department_id
      FROM staff WHERE position = 'client_manager' AND active) AS o
  ON o.k = g % (SELECT count(*) FROM staff WHERE position = 'client_manager' AND active)
"""


def build(name, n):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.setdefault("BACKOFFICE_INSTANCE", "/tmp/backoffice-bench")
    import sqlalchemy as sa

    from backoffice import create_app
    from backoffice.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url_of(name), "REDIS_URL": None, "SECRET_KEY": "bench"})
    with app.test_request_context():
        from backoffice.cli import initialise
        from backoffice.demo import load_demo
        from backoffice.security.system_user import act_as_system

        t0 = time.perf_counter()
        initialise()
        user = act_as_system()
        load_demo()
        db.session.commit()
        log(f"  demo company: {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        db.session.execute(sa.text(CLIENTS_SQL), {"n": n, "u": user.id})
        db.session.execute(sa.text(f"CREATE TABLE {MARKER} (clients integer, built_on timestamptz DEFAULT now())"))
        db.session.execute(sa.text(f"INSERT INTO {MARKER} (clients) VALUES (:n)"), {"n": n})
        db.session.commit()
        log(f"  {n:,} clients: {time.perf_counter() - t0:.1f} s")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        db.session.remove()
        db.engine.dispose()


def ensure(name, n, rebuild=False):
    """The SQLAlchemy URL of database ``name``, built first if missing or incomplete."""
    if rebuild or not exists(name):
        drop(name)
        log(f"building {name}: demo company + {n:,} clients")
        build(name, n)
    else:
        log(f"reusing {name}")
    return url_of(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--name", default=os.environ.get("BENCH_LOAD_DB", "bo_load_1m"))
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    print(ensure(args.name, args.clients, args.rebuild))


if __name__ == "__main__":
    main()
