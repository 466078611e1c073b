"""The API's answers to what its fuzzer found: every bad request a documented JSON
4xx, never a 500, and moments with their time zone."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Announcement, Post


def _error(response, status):
    assert response.status_code == status and response.is_json
    body = response.get_json()
    assert set(body) == {"error", "status", "detail"} and body["status"] == status
    return body


@pytest.mark.parametrize("path", [
    "/api/v1/announcements/12630000000000000000000000",
    "/api/v1/posts/9223372036854775808",
    "/api/v1/agenda/2147483648",
    "/api/v1/documents/0",
])
def test_an_id_too_large_for_any_row_is_404(jlodro, path):
    _error(jlodro.get(path), 404)


@pytest.mark.parametrize("query", ["endpoint=x", "_method=POST", "_external=1",
                                   "_scheme=javascript", "_anchor=x", "values=1"])
def test_query_names_are_never_options_of_the_link_builder(jlodro, seeded, query):
    response = jlodro.get(f"/api/v1/posts?per_page=1&{query}")
    assert response.status_code == 200
    links = response.get_json()["links"]
    assert links["next"].startswith("/api/v1/posts?") and query in links["next"]
    assert jlodro.get(links["next"]).status_code == 200


@pytest.mark.parametrize("query", ["page=99999", "per_page=42&page=47900",
                                   "page=100000&per_page=100"])
def test_a_page_past_the_end_is_empty(jlodro, seeded, query):
    body = jlodro.get(f"/api/v1/posts?{query}").get_json()
    assert body["data"] == [] and body["links"]["next"] is None


@pytest.mark.parametrize("path", [
    "/api/v1/posts?page=100001", "/api/v1/posts?page=1632810", "/api/v1/posts?page=", "/api/v1/posts?per_page=%C2%B2",
    "/api/v1/posts?page=" + "9" * 5000, "/api/v1/apbdes?year=0", "/api/v1/documents?year=2201",
    "/api/v1/documents?category=", "/api/v1/agenda?when=", "/api/v1/desa?status=AAA",
    "/api/v1/desa?page=0",
])
def test_what_the_schema_forbids_is_a_documented_400(jlodro, path):
    assert "tidak valid" in _error(jlodro.get(path), 400)["detail"]


def test_the_portal_list_checks_its_status_enum(client):
    _error(client.get("/api/v1/desa?status=AAA", headers={"Host": "tubankab.go.id"}), 400)
    listed = client.get("/api/v1/desa?status=active&per_page=1",
                        headers={"Host": "tubankab.go.id"})
    assert listed.status_code == 200 and listed.get_json()["data"][0]["status"] == "active"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE"])
def test_405_names_the_allowed_methods(jlodro, method):
    response = jlodro.open("/api/v1/posts", method=method)
    _error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD",
                                                                           "OPTIONS"}


def test_moments_carry_their_time_zone(jlodro, seeded, as_village):
    with as_village("jlodro"):
        post_id = db.session.scalar(select(Post.id).where(Post.status == "published"))
        announcement_id = db.session.scalar(select(Announcement.id))
    post = jlodro.get(f"/api/v1/posts/{post_id}").get_json()["data"]
    announcement = jlodro.get(f"/api/v1/announcements/{announcement_id}").get_json()["data"]
    for value in (post["published_at"], post["updated_at"], announcement["published_at"]):
        assert datetime.fromisoformat(value).utcoffset() is not None, value
    assert jlodro.get("/api/v1/posts").get_json()["data"][0]["published_at"].endswith("+00:00")
