"""Who may do what in the admin: one declared table, checked in one place.

``RULES`` is the whole policy: each row grants some roles one action on some
kinds of object, optionally only under a condition on the object (a
kontributor works on drafts it owns). A role absent from an action's rows is
refused. Regency roles (a camat bound to a kecamatan, an OPD bound to an
agency) are further rows here; the binding decides which villages their
membership opens, not what the role may do in them.

Every admin view declares its action with ``@permission(...)``. ``enforce``
runs before each request of the admin blueprints and fails closed: a view
that declared nothing is refused, an anonymous operator is sent to the login
page, and a role the table does not grant gets 403. Views load the objects
they act on through ``authorize`` (see ``app.admin.common.load_or_404``), so
the object's condition is checked by the same table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort, current_app, g, redirect, request, url_for

# -- roles and kinds of object -------------------------------------------------------
SUPERADMIN, ADMIN, REDAKSI, KONTRIBUTOR = "superadmin", "admin", "redaksi", "kontributor"
#: The village's information officer (usually the Sekretaris Desa, Perki 1/2018).
PPID = "ppid"
ROLES = (SUPERADMIN, ADMIN, REDAKSI, KONTRIBUTOR, PPID)
MANAGERS = (SUPERADMIN, ADMIN)
EDITORS = (SUPERADMIN, ADMIN, REDAKSI)

#: Content with a draft/published state: what a kontributor writes.
EDITORIAL = ("page", "post", "announcement", "event", "document", "album")
#: Content that is public as soon as it is saved (no draft state).
REFERENCE = ("category", "official", "budget", "menu", "stat")
CONTENT = EDITORIAL + REFERENCE


def own_draft(obj, user) -> bool:
    """A draft the user created (``owner_id`` is stamped on creation)."""
    return obj.status == "draft" and obj.owner_id is not None and obj.owner_id == user.id


@dataclass(frozen=True)
class Rule:
    action: str
    roles: tuple[str, ...]
    kinds: tuple[str, ...] | None = None  # None: the action concerns no particular object
    condition: Callable | None = None      # checked on the object when there is one


RULES: tuple[Rule, ...] = (
    # action              roles                kinds      condition
    Rule("dashboard.view", ROLES),
    Rule("account.edit", ROLES),
    Rule("content.view", ROLES, CONTENT),
    Rule("content.create", EDITORS, CONTENT),
    Rule("content.create", (KONTRIBUTOR,), EDITORIAL, own_draft),
    Rule("content.edit", EDITORS, CONTENT),
    Rule("content.edit", (KONTRIBUTOR,), EDITORIAL, own_draft),
    # A private autosaved copy of the text: changes nothing the public sees.
    Rule("content.autosave", ROLES, EDITORIAL),
    Rule("content.publish", EDITORS, EDITORIAL),
    Rule("content.delete", EDITORS, CONTENT),
    Rule("content.delete", (KONTRIBUTOR,), EDITORIAL, own_draft),
    Rule("trash.view", ROLES),
    Rule("trash.restore", EDITORS, CONTENT),
    Rule("trash.restore", (KONTRIBUTOR,), EDITORIAL, own_draft),
    Rule("media.view", ROLES),
    Rule("media.upload", ROLES),
    # A file may be the cover or picture of published content.
    Rule("media.delete", EDITORS),
    Rule("budget.import", EDITORS),
    Rule("settings.edit", MANAGERS),
    Rule("users.manage", MANAGERS),
    Rule("audit.view", MANAGERS),
    Rule("export.download", MANAGERS),
    # The PPID desk (UU 14/2008). The register without personal data is for the village's
    # managers too; the requester's name, address and contact only for the PPID officer
    # (every look audited); the atasan PPID (the Kepala Desa, an admin) answers objections.
    Rule("ppid.view", (SUPERADMIN, ADMIN, PPID)),
    Rule("ppid.process", (ADMIN, PPID)),
    Rule("ppid.personal_data", (SUPERADMIN, PPID)),
    Rule("ppid.objection_answer", (ADMIN,)),
    Rule("complaints.manage", (ADMIN, REDAKSI, PPID)),
    Rule("complaints.personal_data", (ADMIN, PPID)),
    # The regency console on the portal (Diskominfo).
    Rule("regency.villages", (SUPERADMIN,)),
    Rule("regency.users", (SUPERADMIN,)),
    Rule("regency.audit", (SUPERADMIN,)),
    Rule("regency.compliance", (SUPERADMIN,)),
    Rule("regency.compliance.run", (SUPERADMIN,)),
    Rule("regency.ppid", (SUPERADMIN,)),
    Rule("regency.calendar", (SUPERADMIN,)),
)



def _kinds_of(action: str) -> tuple[str, ...] | None:
    """Every kind some row names for ``action``; None when no row names any."""
    kinds = [kind for rule in RULES if rule.action == action for kind in rule.kinds or ()]
    return tuple(dict.fromkeys(kinds)) or None


#: Every declared action and the kinds of object it applies to.
ACTIONS: dict[str, tuple[str, ...] | None] = {rule.action: _kinds_of(rule.action)
                                              for rule in RULES}


def rules_for(role: str | None, action: str, kind: str | None) -> list[Rule]:
    """The rows granting ``role`` the ``action`` on ``kind``."""
    return [r for r in RULES if r.action == action and role in r.roles
            and (r.kinds is None or kind in r.kinds)]


def allowed(role: str | None, action: str, kind: str | None = None, obj=None,
            user=None) -> bool:
    """True when the table grants it. Without ``obj`` a conditional row counts as a
    grant (the object is checked once loaded); with ``obj`` its condition must hold."""
    if action not in ACTIONS:
        raise KeyError(f"undeclared action {action!r}")
    for rule in rules_for(role, action, kind):
        if obj is None or rule.condition is None or rule.condition(obj, user):
            return True
    return False


# -- enforcement ---------------------------------------------------------------------
@dataclass(frozen=True)
class Declared:
    action: str
    kind: str | None = None        # a fixed kind, else the ``kind_name`` URL argument
    read_action: str | None = None  # the action of GET/HEAD when it differs


def permission(action: str, *, kind: str | None = None, read: str | None = None):
    """Declare the action a view performs (``read``: the action of its GET)."""
    for name in (action, read):
        if name is not None and name not in ACTIONS:
            raise KeyError(f"undeclared action {name!r}")

    def deco(view):
        view.permission = Declared(action, kind, read)
        return view

    return deco


def declared_for(endpoint: str | None) -> Declared | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "permission", None)


def request_action() -> tuple[str, str | None]:
    """(action, kind) of the current request, from its view's declaration."""
    declared = declared_for(request.endpoint)
    action = declared.action
    if request.method in ("GET", "HEAD") and declared.read_action:
        action = declared.read_action
    kind = declared.kind or (request.view_args or {}).get("kind_name")
    return action, kind


def enforce():
    """``before_request`` of the admin blueprints: the one gate every view passes."""
    if request.endpoint is None or request.endpoint.endswith(".static"):
        return None
    if declared_for(request.endpoint) is None:
        abort(403, description="Aksi ini belum dideklarasikan dalam tabel izin.")
    if g.get("user") is None:
        from app.auth.core import login_endpoint

        return redirect(url_for(login_endpoint(), next=request.full_path.rstrip("?")))
    action, kind = request_action()
    kinds = ACTIONS[action]
    if kinds is not None and kind not in kinds:
        abort(404)  # no such kind of content: the URL does not exist
    if not allowed(g.get("role"), action, kind):
        abort(403)
    return None


def authorize(obj, action: str | None = None, kind: str | None = None) -> None:
    """403 unless the current role may perform the request's action on ``obj``."""
    if action is None:
        action, request_kind = request_action()
        kind = kind or request_kind
    if not allowed(g.get("role"), action, kind, obj, g.get("user")):
        abort(403, description="Peran Anda hanya dapat mengubah draf yang Anda buat sendiri; "
                               "minta redaksi untuk konten lain.")


def can(action: str, kind: str | None = None, obj=None) -> bool:
    """For templates and views: may the current operator do this?"""
    return allowed(g.get("role"), action, kind, obj, g.get("user"))


def init_app(app) -> None:
    app.jinja_env.globals["can"] = can


__all__ = ["ACTIONS", "CONTENT", "EDITORIAL", "REFERENCE", "ROLES", "RULES", "Rule",
           "allowed", "authorize", "can", "enforce", "own_draft", "permission",
           "request_action", "rules_for"]
