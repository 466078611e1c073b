"""Objects for the generated admin walks: whatever a route's declared action and
kind need, made directly in a village, and the URL of each admin rule built for them.

The routes come from the URL map and what each view declared
(``app.permissions.permission``); a new route whose arguments this module cannot
fill fails the walks loudly instead of being skipped."""
from __future__ import annotations

import itertools

from flask import current_app

from app.admin.registry import KINDS
from app.extensions import db
from app.media import ingest
from app.models import Membership, Photo, Revision, User
from app.models.base import utcnow
from app.permissions import declared_for
from cms_testing import PASSWORD, image_bytes
from tenants.scoping import tenant_context

_serial = itertools.count(1)


def admin_rules(blueprint: str = "admin"):
    """Every rule of a blueprint except its static files, with its declaration (the
    regency console's blueprints live in the portal's URL map)."""
    url_map = current_app.url_map if blueprint == "admin" else current_app.portal_url_map
    for rule in url_map.iter_rules():
        if rule.endpoint.startswith(blueprint + ".") and not rule.endpoint.endswith(".static"):
            yield rule, declared_for(rule.endpoint)


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def action_of(declared, method: str) -> str:
    return declared.read_action if method == "GET" and declared.read_action else declared.action


def _content(kind_name: str, owner_id: int | None, published: bool, trashed: bool):
    kind = KINDS[kind_name]
    n = next(_serial)
    values = {"title": f"Uji {n}", "slug": f"uji-{n}", "name": f"Uji {n}", "label": f"Uji {n}",
              "year": 2026, "section": "belanja", "category": "umur",
              "url": "/berita", "starts_on": utcnow().date()}
    columns = kind.model.__table__.c
    if "position" in columns:  # an official's title (text), elsewhere an order (a number)
        values["position"] = "Jabatan" if columns["position"].type.python_type is str else 1
    obj = kind.model(**{k: v for k, v in values.items() if k in columns})
    if kind_name == "page":
        obj.section = "profil"
    if kind.publishable:
        obj.status = "published" if published else "draft"
        obj.published_at = utcnow() if published else None
        obj.owner_id = owner_id
    if trashed and kind.trashable:
        obj.deleted_at = utcnow()
    db.session.add(obj)
    db.session.flush()
    return obj


def _desk_object(path: str, tenant_code: str) -> int:
    """A request, its objection, or a complaint of the PPID desk: what ``path`` acts on."""
    from datetime import date

    from app.models.ppid import Objection
    from app.ppid import service

    today = date(2026, 12, 14)
    if "/pengaduan/" in path:
        return service.submit_complaint(tenant_code, today, category="lainnya", text="Uji",
                                        may_publish=True, name="Warga Uji",
                                        contact="warga@uji.id").item.id
    request = service.submit_request(tenant_code, today, information="Uji", purpose="Uji",
                                     obtain="salinan", copy_form="softcopy", delivery="email",
                                     name="Warga Uji", address="Dusun Uji", email="warga@uji.id",
                                     phone="").item
    if "/keberatan/" not in path:
        return request.id
    objection = Objection(request_id=request.id, year=2026, seq=next(_serial),
                          number=f"{next(_serial)}/KEBERATAN/{tenant_code}/2026", grounds=["c"],
                          received_on=today, due_on=date(2027, 1, 28))
    db.session.add(objection)
    db.session.flush()
    return objection.id


def make_target(tenant_id: int, tenant_code: str, rule, declared, method: str, *,
                kind: str | None, owner_id: int | None, published: bool) -> str:
    """Create what ``rule`` acts on in the village and return its path."""
    action = action_of(declared, method)
    values = {}
    with tenant_context(tenant_id):
        if "kind_name" in rule.arguments:
            values["kind_name"] = kind
        if "ident" in rule.arguments:
            if action.startswith("media."):
                media = ingest(image_bytes(), "a.png", tenant_code)
                db.session.flush()
                values["ident"] = media.id
            elif action.startswith(("ppid.", "complaints.")):
                values["ident"] = _desk_object(rule.rule, tenant_code)
            elif action.startswith("users."):
                user = User(email=f"anggota{next(_serial)}@uji.id")
                user.set_password(PASSWORD)
                db.session.add(user)
                db.session.flush()
                membership = Membership(user_id=user.id, role="kontributor")
                db.session.add(membership)
                db.session.flush()
                values["ident"] = membership.id
            else:
                obj = _content(kind or declared.kind, owner_id, published,
                               trashed=action == "trash.restore")
                values["ident"] = obj.id
                if "photo_id" in rule.arguments:
                    media = ingest(image_bytes(), "p.png", tenant_code)
                    db.session.flush()
                    photo = Photo(album_id=obj.id, media_id=media.id)
                    db.session.add(photo)
                    db.session.flush()
                    values["photo_id"] = photo.id
                if {"rev_id", "rev_a", "rev_b"} & set(rule.arguments):
                    rev = Revision(object_type=kind, object_id=obj.id, title="r", body_md="r")
                    db.session.add(rev)
                    db.session.flush()
                    for name in ("rev_id", "rev_a", "rev_b"):
                        values[name] = rev.id
        db.session.commit()
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: no test object for {missing}; teach admin_objects"
    return rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
