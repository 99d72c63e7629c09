"""Uploaded import files, kept under the instance folder and keyed by their SHA-256 hash.

The preview and the confirmation name the upload by this id, so confirming never uploads the
file again, and a background job (possibly on another machine sharing the folder) reads the
very bytes the user previewed. Each user who uploaded a file gets a small ticket beside it; a
user can only preview or import an upload they hold a ticket for.
"""
import hashlib
import json
import re
import time
from pathlib import Path

from flask import current_app

import config  # the repository's config.py: INSTANCE_DIR
from backoffice.clock import business_now

ID_RE = re.compile(r"[0-9a-f]{64}")
KEEP_DAYS = 7


def folder():
    configured = current_app.config.get("IMPORT_FOLDER")
    if configured:
        path = Path(configured)
    else:
        path = config.INSTANCE_DIR / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ticket(upload_id, user_id):
    return folder() / f"{upload_id}.{int(user_id or 0)}.json"


def save(data, *, kind, filename, user, rows=None):
    """Store ``data``; returns its upload id (the hex SHA-256 of the bytes). ``rows``: the record
    rows the upload check counted, kept so that the preview and the confirmation of a large file
    need not read it again (the id is the hash: the bytes cannot change under it)."""
    prune()
    upload_id = hashlib.sha256(data).hexdigest()
    path = folder() / f"{upload_id}.data"
    if not path.exists():
        tmp = path.with_suffix(f".tmp{time.time_ns()}")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader never sees half a file
    meta = {
        "kind": kind, "filename": Path(filename or "").name[:200], "size": len(data),
        "uploaded_at": business_now().isoformat(timespec="seconds"), "user_id": getattr(user, "id", None),
        "rows": rows,
    }
    _ticket(upload_id, getattr(user, "id", None)).write_text(json.dumps(meta, ensure_ascii=False))
    return upload_id


def meta(upload_id, user_id):
    """The upload's ticket for this user, or None (unknown id, someone else's upload, pruned)."""
    if not upload_id or not ID_RE.fullmatch(upload_id):
        return None
    ticket = _ticket(upload_id, user_id)
    if not ticket.exists() or not (folder() / f"{upload_id}.data").exists():
        return None
    return json.loads(ticket.read_text())


def read(upload_id):
    data = (folder() / f"{upload_id}.data").read_bytes()
    if hashlib.sha256(data).hexdigest() != upload_id:
        raise OSError("stored upload does not match its hash")
    return data


def prune(days=KEEP_DAYS):
    """Forget uploads older than ``days`` (called on each upload)."""
    limit = time.time() - days * 86400
    for path in folder().glob("*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
