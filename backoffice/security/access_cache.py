"""FAB's security manager, with its permission checks answered from one query per request (issue #16).

FAB asks the database once per ``has_access`` (``exist_permission_on_roles``): the menu alone
checks every item, so a list page of a non-admin made some hundred permission queries -- at 50
people at once, a third of the page's time. Here the first check of a request loads the
(view, permission) pairs of the user's roles in one query and keeps them on ``g``; the other
checks of that request are set look-ups. Nothing outlives the request, so a role changed by an
administrator applies from the next request on, as before.

Installed by ``FAB_SECURITY_MANAGER_CLASS`` (config.py).
"""
from flask import g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role


class SecurityManager(FabSecurityManager):
    def exist_permission_on_roles(self, view_name, permission_name, role_ids):
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        key = tuple(sorted(role_ids))
        cache = g.setdefault("_role_permission_pairs", {})
        pairs = cache.get(key)
        if pairs is None:
            pv = self.permissionview_model
            rows = (
                self.session.query(self.viewmenu_model.name, self.permission_model.name)
                .select_from(pv)
                .join(assoc_permissionview_role, pv.id == assoc_permissionview_role.c.permission_view_id)
                .join(self.permission_model, pv.permission_id == self.permission_model.id)
                .join(self.viewmenu_model, pv.view_menu_id == self.viewmenu_model.id)
                .filter(assoc_permissionview_role.c.role_id.in_(key))
                .all()
            )
            pairs = cache[key] = {(view, permission) for view, permission in rows}
        return (view_name, permission_name) in pairs
