"""A content save through the admin invalidates that village's pages and the portal,
never another village's cached pages or the village registry (issue 17, point 4)."""
from __future__ import annotations

from tenants.resolver import get_resolver


def test_a_save_in_one_village_leaves_other_villages_and_the_registry_cached(
        app, client, logged_in):
    other = {"Host": "kebonsari.tubankab.go.id"}
    operator = logged_in("admin")  # jlodro
    client.get("/", headers=other)
    assert client.get("/", headers=other).headers["X-Cache"] == "HIT"
    own = client.get("/berita", headers={"Host": "jlodro.tubankab.go.id"})
    with app.app_context():
        registry = get_resolver(app).counter.value()

    saved = operator.post("/admin/c/post/new", data={
        "title": "Kabar desa", "body_md": "Isi", "status": "published"})
    assert saved.status_code == 302

    assert client.get("/", headers=other).headers["X-Cache"] == "HIT"
    with app.app_context():
        assert get_resolver(app).counter.value() == registry
    fresh = client.get("/berita", headers={"Host": "jlodro.tubankab.go.id"})
    assert fresh.headers["X-Cache"] == "MISS" and "Kabar desa" in fresh.text
    assert own.headers["X-Cache"] == "MISS"
