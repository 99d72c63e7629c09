"""Issue #10: importing ``backoffice.models`` has no side effects; ``create_app`` installs the
session listeners (backoffice/listeners.py) in their stated order, once however many apps a
process builds. Run in a fresh interpreter: the test session has long installed them."""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
from sqlalchemy import event
from sqlalchemy.orm import Session

import backoffice.models, backoffice.audit, backoffice.surveys.hooks  # everything that used to listen on import
from backoffice import listeners

out = {"after_import": [event.contains(Session, "before_flush", f) for f in listeners.BEFORE_FLUSH]}
from backoffice import create_app

for _ in range(3):
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "FAB_UPDATE_PERMS": False})
session = Session()
names = lambda hook: [getattr(f, "__name__", repr(f)) for f in hook if getattr(f, "__module__", "").startswith("backoffice")]
out["before_flush"] = names(session.dispatch.before_flush)
out["after_flush"] = names(session.dispatch.after_flush)
out["after_rollback"] = names(session.dispatch.after_rollback)
print(json.dumps(out))
"""


def test_models_import_installs_nothing_and_create_app_installs_once_in_order(tmp_path):
    env = dict(os.environ, BACKOFFICE_INSTANCE=str(tmp_path), SECRET_KEY="listeners-test", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["after_import"] == [False] * 4
    # derived fields first, SLA deadlines restamped, then the change log notes old values (so it
    # records the new deadline), then the survey hooks (listeners.py)
    assert out["before_flush"] == ["update_derived", "restamp_on_change", "_note_old_values", "invite_on_close"]
    assert out["after_flush"] == ["_write_change_log"]
    assert out["after_rollback"] == ["_forget_on_rollback"]
