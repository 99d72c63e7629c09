"""The signed-in user's notifications (issue #12): the menu bar's unread count and the
"my notifications" page. Presentation only: ``services/notifications.py`` reads and marks.

    GET  /notifications/                 my notifications (newest first), link to each ticket
    POST /notifications/read/<pk>        mark one read (CSRF); another person's is a 404
    POST /notifications/read-all         mark all read (CSRF)

Every role holds ``can_inbox`` / ``can_mark_read`` (``security/roles.py`` COMMON); what a person
sees is only ever their own (the ``recipient`` scope of ``security/scope.py``).
"""
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from backoffice.services import CommandError
from backoffice.services import notifications as inbox

PAGE = 100  # the page shows the latest hundred; older ones stay in the table


class MarkReadForm(FlaskForm):
    """Only the CSRF token: the notification is in the URL."""


def _user():
    return getattr(g, "user", None)


def unread_notifications():
    """The menu bar's badge: the signed-in user's unread count (0 for a visitor); once per request."""
    user = _user()
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    if "_unread_notifications" not in g:
        try:
            g._unread_notifications = inbox.unread_count(user)
        except Exception:  # a page must still render if the count cannot be read (e.g. mid-migration)
            g._unread_notifications = 0
    return g._unread_notifications


class NotificationView(BaseView):
    route_base = "/notifications"
    default_view = "inbox"

    @expose("/")
    @has_access
    @permission_name("inbox")
    def inbox(self):
        user = _user()
        rows = [(n, inbox.message(n)) for n in inbox.recent(user, PAGE)]
        return self.render_template("notifications/list.html", title=_("My notifications"), rows=rows,
                                    form=MarkReadForm(), unread=inbox.unread_count(user))

    @expose("/read/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("mark_read")
    def mark_read(self, pk):
        form = MarkReadForm()
        try:
            if not form.validate_on_submit():
                # the owner check first: another person's key is a 404 whatever the form holds
                inbox.mark_read(_user(), pk, commit=False)
                raise CommandError(_("The form expired; reload the page and try again."))
            inbox.mark_read(_user(), pk)
        except CommandError as exc:
            if exc.status == 404:
                abort(404)
            flash(exc.message, "warning")
        return redirect(self._back())

    @expose("/read-all", methods=["POST"])
    @has_access
    @permission_name("mark_read")
    def mark_all_read(self):
        form = MarkReadForm()
        if not form.validate_on_submit():
            flash(_("The form expired; reload the page and try again."), "warning")
        else:
            count = inbox.mark_all_read(_user())
            flash(_("%(count)d notifications marked read.", count=count), "success")
        return redirect(self._back())

    @staticmethod
    def _back():
        target = request.form.get("next") or ""
        # only our own pages: a path, never another host
        if target.startswith("/") and not target.startswith("//"):
            return target
        return url_for("NotificationView.inbox")


def register(appbuilder):
    from flask import current_app

    appbuilder.add_view_no_menu(NotificationView)
    current_app.jinja_env.globals["unread_notifications"] = unread_notifications  # navbar.html
