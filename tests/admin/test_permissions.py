"""The permission table (app.permissions), tried route by route.

Generated from the table and the URL map: every admin route, every method,
every kind of content it takes, as every role and anonymously, on an object
the role's user owns as a draft and on one published by someone else. The
expected answer is the table's; a refused request must be 403 (anonymous: the
login page), an allowed one anything but that."""
from __future__ import annotations

import pytest
from flask import Flask

from app import permissions
from app.auth import sessions
from app.extensions import db
from app.models import Membership, User
from app.permissions import ACTIONS, ROLES, allowed
from cms_testing import PASSWORD
from desa_testing import VillageClient, village
from tenants.scoping import tenant_context

from admin_objects import action_of, admin_rules, make_target, methods

SLUG = "jlodro"


def _session_for(app, role: str | None):
    """A client on the village logged in with ``role`` (None: anonymous), and the user."""
    client = VillageClient(app.test_client(), SLUG)
    if role is None:
        return client, None
    with app.app_context():
        tenant = village(SLUG)
        user = User(email=f"{role}@peran.id", is_superadmin=role == "superadmin")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        if role != "superadmin":
            with tenant_context(tenant.id):
                db.session.add(Membership(user_id=user.id, role=role))
                db.session.commit()
        uid, epoch, tid = user.id, user.auth_epoch or 0, tenant.id
        sid = sessions.start(uid, tid)  # the server-side record a login makes
        db.session.commit()
    with client.client.session_transaction(base_url=f"http://{client.host}") as session:
        session.update(uid=uid, tid=tid, epoch=epoch, sid=sid)
    return client, uid


class _Owned:
    """What the table's conditions read of an object, without loading it."""

    def __init__(self, owner_id, published):
        self.owner_id, self.status = owner_id, "published" if published else "draft"


def _cases(rule, declared):
    for method in methods(rule):
        action = action_of(declared, method)
        kinds = ([declared.kind] if declared.kind else
                 list(ACTIONS[action]) if "kind_name" in rule.arguments else [None])
        for kind in kinds:
            # own draft, and published by someone else
            variants = [(True, False), (False, True)] if "ident" in rule.arguments \
                else [(True, False)]
            for own, published in variants:
                yield method, action, kind, own, published


@pytest.mark.parametrize("role", ROLES + (None,))
def test_every_admin_action_as_every_role(app, role):
    client, uid = _session_for(app, role)
    with app.app_context():
        tenant = village(SLUG)
        other_owner = None  # "someone else": no owner, or the admin's
        tried = set()
        for rule, declared in admin_rules():
            assert declared is not None, f"{rule.endpoint} declares no action"
            for method, action, kind, own, published in _cases(rule, declared):
                path = make_target(tenant.id, tenant.code, rule, declared, method, kind=kind,
                                   owner_id=uid if own else other_owner, published=published)
                obj = _Owned(uid if own else other_owner, published) if "ident" in rule.arguments \
                    and kind in permissions.EDITORIAL else None
                user = db.session.get(User, uid) if uid else None
                expected = role is not None and allowed(role, action, kind, obj, user)
                r = getattr(client, method.lower())(path)
                refused = r.status_code == 403 or (
                    r.status_code == 302 and "/admin/login" in r.headers.get("Location", ""))
                assert refused != expected, (role, method, path, action, r.status_code)
                if role is None:
                    assert r.status_code == 302, (method, path, r.status_code)
                tried.add(rule.endpoint)
        assert tried == {rule.endpoint for rule, _ in admin_rules()}


def test_table_covers_what_the_issue_names():
    """The kontributor gaps of the attack round, read from the table itself."""
    class Draft:
        status, owner_id = "draft", 7

    class Published:
        status, owner_id = "published", 7

    class Someone:
        id = 7

    k = "kontributor"
    for kind in ("menu", "official", "budget", "stat", "category"):
        assert not allowed(k, "content.create", kind)
        assert not allowed(k, "content.edit", kind)
        assert not allowed(k, "content.delete", kind)
    assert not allowed(k, "budget.import")
    assert not allowed(k, "media.delete")
    assert not allowed(k, "content.edit", "album", Published(), Someone())
    assert allowed(k, "content.edit", "album", Draft(), Someone())
    assert not allowed(k, "trash.restore", "post", Published(), Someone())
    assert allowed(k, "trash.restore", "post", Draft(), Someone())
    assert not allowed(k, "content.publish", "post")
    assert allowed("redaksi", "content.publish", "post")
    for role in ("redaksi", k):
        for action in ("settings.edit", "users.manage", "audit.view", "export.download"):
            assert not allowed(role, action)
    with pytest.raises(KeyError):
        allowed("admin", "no.such.action")


def test_a_route_without_a_declared_action_is_refused(app):
    """Fails closed: a view added to the admin without a declaration answers 403,
    even to the superadmin."""
    from app import create_app

    fresh: Flask = create_app(dict(app.config))
    fresh.add_url_rule("/admin/tanpa-izin", endpoint="admin.tanpa_izin",
                       view_func=lambda: "terbuka")
    client, _ = _session_for(fresh, "superadmin")
    r = client.get("/admin/tanpa-izin")
    assert r.status_code == 403 and "terbuka" not in r.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # declared routes still work


@pytest.mark.parametrize("blueprint", ["superadmin", "compliance"])
def test_regency_console_is_for_the_superadmin_only(app, blueprint):
    """The portal console's routes declare regency actions; anonymous is sent to log in."""
    portal = VillageClient(app.test_client(), "x")
    portal.host = "tubankab.go.id"
    with app.app_context():
        rules = list(admin_rules(blueprint))
    assert rules
    for rule, declared in rules:
        assert declared is not None and declared.action.startswith("regency.")
        assert allowed("superadmin", declared.action)
        assert not any(allowed(role, declared.action) for role in ROLES if role != "superadmin")
        if not rule.arguments:
            for method in methods(rule):
                r = getattr(portal, method.lower())(rule.rule)
                assert r.status_code == 302 and "login" in r.headers["Location"], rule.rule
