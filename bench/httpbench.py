"""Serving the app under gunicorn for a benchmark, and signing in over HTTP (bench/export.py,
bench/load.py). The server is the production one (gunicorn.conf.py), bound to 127.0.0.1 only.
"""
import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

from common import ROOT

BENCH_SECRET = "bench-secret-key-0123456789abcdef0123456789"  # >= 32 characters (config.py)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url, port, workers=1, threads=4, production=True, extra_env=None, log_path=os.devnull,
             app_module="app:app", pythonpath=None):
    """gunicorn serving the app on 127.0.0.1:``port`` against database ``url``; yields the Popen.

    ``production``: BACKOFFICE_ENV=production (secure cookies, the request time limit).
    """
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=BENCH_SECRET, BIND=f"127.0.0.1:{port}",
               WEB_CONCURRENCY=str(workers), GUNICORN_THREADS=str(threads), GUNICORN_ACCESS_LOG="",
               BACKOFFICE_ENV="production" if production else "development",
               BACKOFFICE_INSTANCE=os.environ.get("BACKOFFICE_INSTANCE", "/tmp/backoffice-bench"))
    env.pop("REDIS_URL", None)
    env.update(extra_env or {})
    with open(log_path, "ab") as log:
        cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
        if pythonpath:
            cmd += ["--pythonpath", pythonpath]
        proc = subprocess.Popen(cmd + [app_module], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/login/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start (see {log_path})")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def worker_pids(master_pid):
    """The gunicorn workers of ``master_pid`` (its child processes)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def sign_in(port, username, password):
    """The session cookie of ``username`` (the sign-in form, with its CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login/")
    r = conn.getresponse()
    page = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
    conn.request("POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = conn.getresponse()
    r.read()
    if r.status != 302:
        raise SystemExit(f"sign-in of {username} failed: {r.status}")
    return r.getheader("Set-Cookie").split(";", 1)[0]
