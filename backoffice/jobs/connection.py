"""Redis and RQ queues for the current app, or None when jobs run in-process (no REDIS_URL)."""
from flask import current_app
from redis import Redis
from rq import Queue


def redis_connection(app=None):
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = app.extensions.get("backoffice_redis")
    if conn is None:
        # Short timeouts: a launch must answer quickly when Redis is down (the run stays queued).
        conn = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        app.extensions["backoffice_redis"] = conn
    return conn


def get_queue(name, app=None):
    conn = redis_connection(app)
    return None if conn is None else Queue(name, connection=conn)
