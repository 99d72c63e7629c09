"""A job that only counts: lets an operator (and the tests) check workers end to end.

    flask backoffice selftest-job  ->  a run that counts to n with progress, on the default queue
"""
import time

from flask_babel import lazy_gettext as _l

from backoffice.jobs.registry import job


@job("selftest.count", queue="default", timeout=600, label=_l("Worker self-test"))
def count(ctx):
    n = int(ctx.params.get("n", 10))
    pause = float(ctx.params.get("sleep", 0))
    fail_at = ctx.params.get("fail_at")
    ctx.progress(0, n)
    for i in range(1, n + 1):
        if fail_at is not None and i == int(fail_at):
            raise RuntimeError(f"selftest asked to fail_at {fail_at}")
        if pause:
            time.sleep(pause)
        ctx.progress(i)
    return {"counted": n}
