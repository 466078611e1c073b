"""Public JSON API, CSV export, CORS and cache headers, scoping."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Announcement, BudgetLine, Document, Event, Post

ENDPOINTS = ["/api/v1/posts", "/api/v1/announcements", "/api/v1/agenda", "/api/v1/documents",
             "/api/v1/apbdes"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_list_endpoints(jlodro, seeded, path):
    response = jlodro.get(path)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]
    body = response.get_json()
    assert set(body) == {"data", "meta", "links"}
    assert body["meta"]["page"] == 1


def test_posts_pagination(jlodro, seeded):
    first = jlodro.get("/api/v1/posts?per_page=2").get_json()
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert len(first["data"]) == 2 and first["links"]["prev"] is None
    second = jlodro.get(first["links"]["next"]).get_json()
    assert len(second["data"]) == 1 and second["links"]["next"] is None
    ids = {p["id"] for p in first["data"]} | {p["id"] for p in second["data"]}
    assert len(ids) == 3
    assert first["data"][0]["url"].startswith("http://jlodro.tubankab.go.id/berita/")


@pytest.mark.parametrize("query", ["page=0", "per_page=101", "page=x"])
def test_bad_pagination_is_json_400(jlodro, query):
    response = jlodro.get(f"/api/v1/posts?{query}")
    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize("model,path", [(Post, "posts"), (Announcement, "announcements"),
                                        (Event, "agenda")])
def test_detail_and_other_villages_ids_are_404(jlodro, seeded, as_village, model, path):
    with as_village("jlodro"):
        own = db.session.scalar(select(model.id))
    with as_village("kebonsari"):
        other = db.session.scalar(select(model.id))
    ok = jlodro.get(f"/api/v1/{path}/{own}")
    assert ok.status_code == 200 and ok.get_json()["data"]["id"] == own
    assert "body_html" in ok.get_json()["data"]
    missing = jlodro.get(f"/api/v1/{path}/{other}")
    assert missing.status_code == 404 and missing.is_json


def test_documents_and_filters(jlodro, as_village):
    with as_village("jlodro"):
        db.session.add_all([
            Document(slug="perdes-1", title="Perdes 1", category="perdes", year=2024,
                     status="published"),
            Document(slug="sk-1", title="SK 1", category="sk", year=2023, status="published"),
            Document(slug="draf", title="Draf", category="sk", year=2023, status="draft"),
        ])
        db.session.commit()
        doc_id = db.session.scalar(select(Document.id).where(Document.slug == "perdes-1"))
    assert jlodro.get("/api/v1/documents").get_json()["meta"]["total"] == 2
    data = jlodro.get("/api/v1/documents?category=sk").get_json()["data"]
    assert [d["slug"] for d in data] == ["sk-1"]
    assert jlodro.get("/api/v1/documents?year=2024").get_json()["data"][0]["slug"] == "perdes-1"
    assert jlodro.get(f"/api/v1/documents/{doc_id}").status_code == 200
    assert jlodro.get("/api/v1/documents?category=nope").status_code == 400


def test_agenda_when_filter(jlodro, seeded):
    upcoming = jlodro.get("/api/v1/agenda?when=upcoming").get_json()["data"]
    assert upcoming and all(e["starts_on"] >= date.today().isoformat() for e in upcoming)
    assert jlodro.get("/api/v1/agenda?when=past").get_json()["data"] == []


def test_apbdes_lines_and_year(jlodro, seeded):
    year = date.today().year
    data = jlodro.get(f"/api/v1/apbdes?year={year}").get_json()
    assert data["meta"]["total"] > 0
    line = data["data"][0]
    assert line["year"] == year and isinstance(line["planned"], str)
    assert jlodro.get("/api/v1/apbdes?year=1999").get_json()["data"] == []


def test_village_info(jlodro):
    data = jlodro.get("/api/v1/desa").get_json()["data"]
    assert data["slug"] == "jlodro" and data["url"] == "http://jlodro.tubankab.go.id/"


def test_portal_villages_list(client):
    response = client.get("/api/v1/desa?per_page=5", headers={"Host": "tubankab.go.id"})
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert body["meta"]["total"] == 328 and len(body["data"]) == 5
    assert body["data"][0]["url"].startswith("http://")
    page = client.get("/api/v1/desa?kecamatan=Montong&per_page=100",
                      headers={"Host": "tubankab.go.id"}).get_json()
    assert page["data"] and {v["kecamatan"] for v in page["data"]} == {"Montong"}


def test_village_api_not_on_portal_and_portal_list_not_on_village(client, jlodro):
    assert client.get("/api/v1/posts", headers={"Host": "tubankab.go.id"}).status_code == 404
    assert jlodro.get("/api/v1/desa").get_json()["data"]["slug"] == "jlodro"


def test_apbdes_csv(jlodro, seeded, as_village):
    year = date.today().year
    response = jlodro.get(f"/transparansi/apbdes-{year}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"apbdes-jlodro-{year}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["tahun", "bagian", "kode", "uraian", "anggaran", "realisasi"]
    with as_village("jlodro"):
        count = len(db.session.scalars(select(BudgetLine).where(BudgetLine.year == year)).all())
    assert len(rows) == count + 1
    assert jlodro.get("/transparansi/apbdes-1999.csv").status_code == 404


def test_csv_of_empty_village_is_404(jlodro):
    assert jlodro.get(f"/transparansi/apbdes-{date.today().year}.csv").status_code == 404


def test_openapi_documents_every_api_route(app):
    from pathlib import Path

    yaml = pytest.importorskip("yaml", reason="PyYAML (requirements-dev.txt) reads docs/openapi.yaml")

    spec = yaml.safe_load((Path(app.root_path).parent / "docs/openapi.yaml").read_text())
    documented = {p.replace("{id}", "<int:item_id>") for p in spec["paths"]}
    routes = {r.rule.removeprefix("/api/v1") for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1")}
    routes |= {r.rule.removeprefix("/api/v1") for r in app.portal_url_map.iter_rules()
               if r.rule.startswith("/api/v1")}
    assert routes == documented


def test_body_html_addresses_are_absolute_on_the_village_host(app, jlodro, as_village):
    """An API client reads the HTML away from the village's pages: a picture, its
    resized copies and a link inside the site must carry the village's host."""
    from datetime import timedelta

    from app.media import ingest
    from app.models.base import utcnow
    from app.storage import variant_key
    from desa_testing import village
    from PIL import Image
    import io

    picture = io.BytesIO()
    Image.new("RGB", (2000, 1000), (20, 120, 40)).save(picture, "JPEG")
    with as_village("jlodro"):
        media = ingest(picture.getvalue(), "sawah.jpg", village("jlodro").code)
        db.session.flush()
        post = Post(slug="api-foto", title="Foto", status="published",
                    published_at=utcnow() - timedelta(minutes=1),
                    body_md=f"![Sawah](/media/{media.key}) [Profil](/profil) "
                            "[Luar](https://example.org/) [Catatan](#catatan)")
        db.session.add(post)
        db.session.commit()
        post_id, key = post.id, media.key
    html = jlodro.get(f"/api/v1/posts/{post_id}").get_json()["data"]["body_html"]
    origin = "http://jlodro.tubankab.go.id"
    assert f'src="{origin}/media/{variant_key(key, "large")}"' in html
    assert f'{origin}/media/{variant_key(key, "thumb")} 320w, ' in html
    assert f'href="{origin}/profil"' in html
    assert 'href="https://example.org/"' in html and 'href="#catatan"' in html
    assert '="/' not in html and ", /media" not in html
