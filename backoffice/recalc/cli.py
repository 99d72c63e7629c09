"""``flask backoffice recalc SCHEME PERIOD``: launch a recalculation the way the launch form does."""
import click
from flask.cli import with_appcontext

from backoffice.jobs import JobRefused, launch
from backoffice.jobs.connection import redis_connection
from backoffice.recalc.plan import plan_recalc
from backoffice.security.system_user import act_as_system


@click.command("recalc")
@click.argument("scheme")
@click.argument("period")
@with_appcontext
def recalc_command(scheme, period):
    """Launch the recalculation of SCHEME (e.g. SCALE) over PERIOD (e.g. 2026Q3 or 2025)."""
    user = act_as_system()
    try:
        plan = plan_recalc(scheme, period)
        run = launch(plan.kind, plan.params, user=user, dedupe_key=plan.dedupe_key)
    except JobRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{plan.label}: run #{run.id} ({plan.kind})")
    if run.enqueued:
        click.echo("Enqueued: a worker on the 'recalc' queue will run it.")
    else:
        if redis_connection() is None:
            click.echo(f"No Redis configured: run in-process, state {getattr(run.state, 'value', run.state)}.")
        else:
            click.echo("Not enqueued (Redis unreachable): it stays queued and is sent when Redis is back.")
