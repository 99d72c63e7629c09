"""``flask backoffice ...``: set up the database, roles, reference and demo data."""
import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_migrate import upgrade

from backoffice.extensions import db
from backoffice.recalc.cli import recalc_command
from backoffice.security.roles import ROLES, common_pairs, declared_pairs
from backoffice.security.system_user import SYSTEM_USER, act_as_system, system_user  # noqa: F401  (tests, bench)
from backoffice.seed import seed_reference_data


@click.group("backoffice")
def backoffice_cli():
    """Back-office administration commands."""


backoffice_cli.add_command(recalc_command)


def sync_roles(prune=False):
    """Create the roles of SPEC §1 and give them their declared permissions."""
    sm = current_app.appbuilder.sm
    lookup = {
        (pv.permission.name, pv.view_menu.name): pv
        for pv in db.session.query(sm.permissionview_model).all()
    }
    available = list(lookup)
    changes = {}
    for role_name in ROLES:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = declared_pairs(role_name, available) | common_pairs(available)
        wanted |= menu_pairs(wanted, available)
        have = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        for pair in wanted - have:
            role.permissions.append(lookup[pair])
        removed = set()
        if prune:
            removed = have - wanted
            role.permissions = [pv for pv in role.permissions if (pv.permission.name, pv.view_menu.name) not in removed]
        changes[role_name] = (len(wanted - have), len(removed))
    db.session.commit()
    return changes


def menu_pairs(granted, available):
    """Menu entries follow the views: a role sees a menu item when it may list that view,
    and a category when it sees any item in it."""
    can_list = {view for perm, view in granted if perm == "can_list"}
    pairs = set()
    for category in current_app.appbuilder.menu.get_list():
        shown = [
            child.name for child in (category.childs or [])
            if child.baseview is not None and child.baseview.class_permission_name in can_list
        ]
        if shown:
            pairs.update(("menu_access", name) for name in shown + [category.name])
    return pairs & set(available)


def initialise():
    """Upgrade the schema, register permissions, sync roles, seed reference data (idempotent)."""
    upgrade(revision="heads")  # every branch: parallel work may add sibling revisions
    # The roles FAB itself needs (Admin, Public); its create_all is skipped, Alembic owns the schema.
    BaseSecurityManager.create_db(current_app.appbuilder.sm)
    current_app.appbuilder.add_permissions(update_perms=True)
    sync_roles()
    act_as_system()
    seed_reference_data()


@backoffice_cli.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database, permissions, roles and reference data."""
    initialise()
    click.echo("Database ready.")


@backoffice_cli.command("sync-roles")
@click.option("--prune", is_flag=True, help="Also remove permissions a role holds but does not declare.")
@with_appcontext
def sync_roles_command(prune):
    """Write the roles declared in backoffice/security/roles.py to the database."""
    current_app.appbuilder.add_permissions(update_perms=True)
    for role, (added, removed) in sync_roles(prune).items():
        click.echo(f"{role}: +{added} -{removed}")


def _demo_figures():
    """What the periodic jobs would have written by now, so the demo's home pages show figures at
    once: the KPI snapshots of the last twelve months (jobs/kind_kpi.py, every 15 minutes in
    production) and one deadline escalation scan (jobs/kind_sla_scan.py, every 5 minutes)."""
    from backoffice.clock import business_today
    from backoffice.services import kpi, sla_scan

    month = business_today().replace(day=1)
    for _ in range(12):
        kpi.write_snapshots(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    sent = sla_scan.escalate_overdue()
    click.echo(f"KPI snapshots of 12 months written; {sent} overdue deadline(s) escalated to the heads.")


@backoffice_cli.command("demo-data")
@click.option("--clients", default=500, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@with_appcontext
def demo_data_command(clients, seed):
    """Load the deterministic demo company once (no-op if it is already there)."""
    from backoffice.demo import demo_logins, load_demo  # lazy: the demo generator is large, `flask --help` need not load it

    act_as_system()
    if load_demo(n_clients=clients, seed=seed):
        click.echo(f"Demo company loaded ({clients} clients, seed {seed}).")
        _demo_figures()
    else:
        click.echo("Demo company already present: nothing loaded.")
    # The logins every time, so whoever runs the demo knows how to get in (README: demo logins).
    logins = demo_logins()
    click.echo("Demo logins:")
    click.echo(f"  {'username':<12} {'role':<14} {'password':<22} name")
    for username, role, name, password in logins:
        click.echo(f"  {username:<12} {role:<14} {password or '(changed, not shown)':<22} {name}")
