"""Screens and APIs of records with a life cycle: the buttons a state allows, one action per
event, and the REST endpoint that takes the same event through the same command (issue #10).

- ``LifecycleViewMixin`` (before ``ScopedModelView``): ``lifecycle_actions`` maps an action name
  to its event; the show page renders only the actions ``allowed_events(item)`` returns (FAB
  shows every @action in every state); an action run on a row where it is refused flashes the
  command's message and changes nothing.
- ``lifecycle_action(name, event, label)`` builds the FAB @action calling ``run_event``.
- ``TransitionApiMixin`` (before ``ScopedApi``): ``POST /api/v1/<resource>/<pk>/transition``
  ``{"event": ..., "note": ..., "version": ...}``, the row loaded through the API's base filters
  (404 outside the scope), 422 with the translated message for a refused event, 409 when the
  record changed meanwhile.
- ``api_actions`` on a view maps each screen action (and POST route) to the API path doing the
  same; tests/integration/test_api_parity.py checks every one exists in /api/v1/_openapi.
"""
from flask import flash, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.api import safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _

from backoffice.services import CommandError
from backoffice.services.versions import check_version


class LifecycleViewMixin:
    lifecycle_actions: dict = {}  # action name -> event
    api_actions: dict = {}  # action name -> "METHOD /api/v1/... path"

    def allowed_events(self, item):
        raise NotImplementedError

    def run_event(self, item, event):
        raise NotImplementedError

    def visible_actions(self, item, actions):
        allowed = set(self.allowed_events(item))
        return {name: a for name, a in actions.items()
                if name not in self.lifecycle_actions or self.lifecycle_actions[name] in allowed}

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        # FAB's own body (baseviews.py), with the actions filtered by state and role: FAB falls
        # back to every action when handed an empty dict, so it cannot be delegated.
        widgets = widgets or {}
        actions = self.visible_actions(item, self.actions if actions is None else actions)
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns=self.label_columns,
            include_columns=self.show_columns,
            value_columns=self.datamodel.get_values_item(item, self.show_columns),
            formatters_columns=self.formatters_columns,
            actions=actions,
            fieldsets=show_fieldsets or self.show_fieldsets,
            modelview_name=self.__class__.__name__,
        )
        return widgets


def lifecycle_action(name, event, label, icon="fa-arrow-right", confirmation=None, multiple=True):
    def run(self, items):
        items = items if isinstance(items, list) else [items]
        done = 0
        for item in items:
            try:
                self.run_event(item, event)
                done += 1
            except CommandError as exc:
                flash(exc.message, "warning")
        if done:
            flash(_("%(n)s record(s) updated.", n=done), "success")
        self.update_redirect()
        return redirect(self.get_redirect())

    run.__name__ = name
    return action(name, label, confirmation, icon, multiple=multiple, single=True)(run)


def command_target(api, pk, message, valid=None):
    """What every command endpoint of the API checks first: the row through the API's scope
    (404 outside it, as for a row that does not exist) and a JSON object body (400 with
    ``message`` otherwise, or when ``valid(body)`` is false). Returns (item, body, refusal):
    the endpoint answers ``refusal`` when it is not None."""
    item = api.datamodel.get(pk, api._base_filters)
    if item is None:
        return None, None, api.response_404()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or (valid is not None and not valid(body)):
        return item, None, api.response_400(message=message)
    return item, body, None


def command_response(api, call):
    """Run a command for the API: its CommandError becomes the answer (422/409/404)."""
    try:
        return call()
    except CommandError as exc:
        return api.response(exc.status, message=exc.as_api_message())


class TransitionApiMixin:
    """``POST /<pk>/transition`` for a ScopedApi (see the module docstring)."""

    state_attr = "status"

    def run_event(self, item, event, note):
        raise NotImplementedError

    def allowed_events(self, item):
        raise NotImplementedError

    def transition_answer(self, item):
        state = getattr(item, self.state_attr)
        return self.response(200, id=item.id, state=getattr(state, "value", state), version=item.version,
                             allowed=self.allowed_events(item))

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    @permission_name("transition")
    def transition(self, pk):
        """Take one life-cycle event (the same command and checks as the screen's action buttons).
        ---
        post:
          summary: Move the record through its life cycle
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [event]
                  properties:
                    event: {type: string, description: "the event name (see allowed in the answer)"}
                    note: {type: string}
                    version: {type: integer, description: "the version read; a stale one is refused with 409"}
          responses:
            200: {description: "{id, state, version, allowed: [events possible now]}"}
            400: {$ref: '#/components/responses/400'}
            404: {$ref: '#/components/responses/404'}
            409: {description: "the record changed meanwhile (message names who and when)"}
            422: {description: "the event is not possible from this state or for this user (translated message)"}
        """
        item, body, refusal = command_target(self, pk, _("Send a JSON object with the event and an optional note."),
                                             lambda b: isinstance(b.get("event"), str))
        if refusal is not None:
            return refusal

        def call():
            check_version(item, body.get("version"))
            self.run_event(item, body["event"], body.get("note"))
            return self.transition_answer(item)

        return command_response(self, call)
