"""Full-text search (FTS5 on SQLite, tsvector on PostgreSQL): index upkeep, prefix and
AND matching, visibility at query time, hostile input, village isolation, reindexing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import DRAFT, PUBLISHED, SCHEDULED, Document, Event, Page, Post
from app.models.base import utcnow
from app.models.search import SearchEntry
from desa_testing import count_queries, page_cache_off, village
from tenants.scoping import system_scope


def add(as_village, model=Post, village_slug="jlodro", **fields):
    fields.setdefault("status", PUBLISHED)
    fields.setdefault("published_at", utcnow())
    if model is not Document:
        fields.setdefault("body_md", "")
    with as_village(village_slug):
        obj = model(**fields)
        db.session.add(obj)
        db.session.commit()
        return obj.id


def found(vc, query, kind=None):
    """The result links of a search page, in order."""
    url = f"/cari?q={query}" + (f"&jenis={kind}" if kind else "")
    response = vc.get(url)
    assert response.status_code == 200
    return re.findall(r'<li><h2><a href="([^"]+)"', response.get_data(as_text=True))


def entries(app, **where):
    with app.app_context(), system_scope():
        return db.session.scalar(select(func.count()).select_from(SearchEntry)
                                 .filter_by(**where))


# -- matching and ranking ---------------------------------------------------------
def test_prefix_matches_the_start_of_words_only(jlodro, as_village):
    add(as_village, slug="jembatan", title="Jembatan baru diresmikan")
    assert found(jlodro, "jemb") == ["/berita/jembatan"]
    assert found(jlodro, "JEMBATAN") == ["/berita/jembatan"]
    assert found(jlodro, "batan") == []  # not a word start
    html = jlodro.get("/cari?q=jemb").get_data(as_text=True)
    assert "<mark>Jembatan</mark> baru diresmikan" in html


def test_all_terms_must_match(jlodro, as_village):
    add(as_village, slug="both", title="Jembatan desa", body_md="Dekat sawah warga.")
    add(as_village, slug="one", title="Jembatan kota", body_md="Dekat pasar.")
    assert found(jlodro, "jembatan sawah") == ["/berita/both"]
    assert sorted(found(jlodro, "jembatan")) == ["/berita/both", "/berita/one"]
    assert found(jlodro, "jembatan bandara") == []


def test_title_weighs_more_than_body_even_when_older(jlodro, as_village):
    add(as_village, slug="body", title="Kabar warga",
        body_md="Rapat membahas irigasi sawah di dusun.")
    add(as_village, slug="title", title="Irigasi sawah diperbaiki", body_md="Acara meriah.",
        published_at=utcnow() - timedelta(days=60))
    assert found(jlodro, "irigasi") == ["/berita/title", "/berita/body"]


def test_every_kind_is_indexed_with_its_own_text(jlodro, as_village):
    add(as_village, Page, slug="sejarah", title="Sejarah Desa", section="profil",
        body_md="Cerita para sesepuh.")
    add(as_village, Page, slug="layanan", title="Layanan", section="halaman",
        body_md="Surat pengantar sesepuh.")
    add(as_village, Event, slug="rapat", title="Rapat RT", starts_on=utcnow().date(),
        location="Pendopo kecamatan", body_md="x")
    add(as_village, Document, slug="perdes", title="Perdes APBDes",
        description="Peraturan tentang anggaran.")
    add(as_village, slug="berita", title="Berita", excerpt="Ringkasan tentang lumbung.",
        body_md="x")
    assert sorted(found(jlodro, "sesepuh")) == ["/halaman/layanan", "/profil/sejarah"]
    assert found(jlodro, "pendopo") == ["/agenda/rapat"]
    assert found(jlodro, "anggaran") == ["/dokumen"]
    assert found(jlodro, "lumbung") == ["/berita/berita"]
    assert len(found(jlodro, "sesepuh", kind="halaman")) == 2
    assert found(jlodro, "sesepuh", kind="agenda") == []


def test_markdown_is_indexed_as_text_and_diacritics_fold(jlodro, as_village):
    add(as_village, slug="md", title="Kafé desa",
        body_md="**Kopi** [tubruk](https://contoh.id/menu) dan laporan.pdf `kode`")
    assert found(jlodro, "tubruk") == ["/berita/md"]
    assert found(jlodro, "laporan") == ["/berita/md"]  # not one token "laporan.pdf"
    assert found(jlodro, "kafe") == ["/berita/md"]
    assert found(jlodro, "strong") == [] and found(jlodro, "https") == []


def test_highlight_escapes_before_marking(jlodro, as_village):
    add(as_village, slug="xss", title="<script>alert(1)</script> Sawah & <b>ladang</b>",
        body_md="Tentang sawah & <i>ladang</i>.")
    html = jlodro.get("/cari?q=sawah+ladang").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>ladang" not in html
    assert ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>Sawah</mark> &amp; "
            "&lt;b&gt;<mark>ladang</mark>&lt;/b&gt;") in html


# -- visibility is decided at query time ---------------------------------------------
def test_drafts_scheduled_and_trashed_are_excluded(app, jlodro, as_village):
    add(as_village, slug="draft", title="Embung draf", status=DRAFT)
    add(as_village, slug="later", title="Embung nanti", status=SCHEDULED,
        published_at=utcnow() + timedelta(days=1))
    add(as_village, slug="due", title="Embung terjadwal", status=SCHEDULED,
        published_at=utcnow() - timedelta(minutes=1))
    trashed = add(as_village, slug="trash", title="Embung dibuang")
    with as_village("jlodro"):
        db.session.get(Post, trashed).deleted_at = utcnow()
        db.session.commit()
    assert found(jlodro, "embung") == ["/berita/due"]
    # The index holds every item whatever its state: visibility is the query's business.
    assert entries(app, kind="berita") == 4


def test_scheduled_item_appears_when_due_without_reindexing(app, jlodro, as_village):
    ident = add(as_village, slug="later", title="Bedah rumah", status=SCHEDULED,
                published_at=utcnow() + timedelta(hours=2))
    assert found(jlodro, "bedah") == []
    with as_village("jlodro"):  # a bulk UPDATE: no ORM object, no index event
        db.session.execute(update(Post).where(Post.id == ident)
                           .values(published_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert found(jlodro, "bedah") == ["/berita/later"]


def test_trash_restore_delete_and_purge_follow_the_item(app, jlodro, as_village):
    from app.admin import purge_trash

    ident = add(as_village, slug="pupuk", title="Subsidi pupuk")
    gone = add(as_village, slug="hapus", title="Pupuk dihapus")
    with as_village("jlodro"):
        db.session.get(Post, ident).deleted_at = utcnow()
        db.session.commit()
    assert found(jlodro, "pupuk") == ["/berita/hapus"]
    with as_village("jlodro"):
        db.session.execute(update(Post).where(Post.id == ident).values(deleted_at=None)
                           .execution_options(include_trashed=True))
        db.session.commit()
    assert sorted(found(jlodro, "pupuk")) == ["/berita/hapus", "/berita/pupuk"]
    with as_village("jlodro"):
        db.session.delete(db.session.get(Post, gone))
        db.session.commit()
    assert found(jlodro, "pupuk") == ["/berita/pupuk"]
    assert entries(app, kind="berita") == 1
    with as_village("jlodro"):
        db.session.get(Post, ident).deleted_at = utcnow() - timedelta(days=40)
        db.session.commit()
    with app.app_context():
        assert purge_trash(days=30) == 1
    assert entries(app) == 0


def test_edited_item_is_found_by_new_words_only(app, jlodro, as_village):
    ident = add(as_village, slug="ubah", title="Lomba layangan", body_md="Di lapangan barat.")
    doc = add(as_village, Document, slug="doc", title="Dokumen lama", description="Arsip kuno.")
    assert found(jlodro, "layangan") == ["/berita/ubah"]
    with as_village("jlodro"):
        post = db.session.get(Post, ident)
        post.title, post.body_md = "Lomba perahu", "Di sungai timur."
        db.session.get(Document, doc).description = "Arsip baru."
        db.session.commit()
    assert found(jlodro, "layangan") == [] and found(jlodro, "lapangan") == []
    assert found(jlodro, "perahu") == ["/berita/ubah"]
    assert found(jlodro, "sungai timur") == ["/berita/ubah"]
    assert found(jlodro, "kuno") == [] and found(jlodro, "arsip baru") == ["/dokumen"]
    assert entries(app) == 2


def test_status_only_change_does_not_rewrite_the_entry(app, as_village):
    ident = add(as_village, slug="x", title="Posyandu lansia", status=DRAFT)
    with app.app_context(), system_scope():
        before = db.session.scalar(select(SearchEntry.id))
    with as_village("jlodro"):
        db.session.get(Post, ident).status = PUBLISHED
        db.session.commit()
    with app.app_context(), system_scope():
        assert db.session.scalar(select(SearchEntry.id)) == before


# -- hostile input --------------------------------------------------------------------
HOSTILE = [
    '"', "'", '"unterminated', "*", "jemb*", "-jembatan", "jembatan -", "OR", "a OR b",
    "jembatan OR", "AND", "NOT jembatan", "NEAR(jembatan baru)", "NEAR", "(", ")", "((a)",
    "title:jembatan", "body : x", "^jembatan", "jembatan:*", "'':*", "!jembatan & | <->",
    "\\", "%", "_", "__", "%00", "a\x00b", "🌾🌾🌾", "!!!???", "...", "—", "&amp;", "<mark>",
    "'); DROP TABLE post; --", "x" * 500, " ".join(["jembatan"] * 50), "ab " * 40,
    "ع", "جسر", "桥梁", "mo\u0308bel", "１２３", "İstanbul",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_a_page(jlodro, as_village, query):
    add(as_village, slug="jembatan", title="Jembatan baru", body_md="Mobil lewat.")
    response = jlodro.get("/cari", query_string={"q": query})
    assert response.status_code == 200
    assert b"Traceback" not in response.data


def test_hostile_queries_straight_into_search(app, as_village):
    from app.search import search

    add(as_village, slug="jembatan", title="Jembatan baru", body_md="Mobil lewat.")
    with as_village("jlodro"), app.test_request_context():
        for query in HOSTILE + ["x" * 5000, "jembatan " * 1000]:
            assert isinstance(search(query), list)
        assert [h.url for h in search('"jembatan"* -(baru:')] == ["/berita/jembatan"]
        assert [h.url for h in search("jembatan:*")] == ["/berita/jembatan"]


# -- isolation ------------------------------------------------------------------------
def test_identical_words_never_cross_villages(app, client, as_village):
    from app.search import search
    from desa_testing import VillageClient

    jlodro, kebonsari = VillageClient(client, "jlodro"), VillageClient(client, "kebonsari")
    add(as_village, slug="irigasi-a", title="Perbaikan irigasi tersier", body_md="Sama persis.")
    add(as_village, village_slug="kebonsari", slug="irigasi-b",
        title="Perbaikan irigasi tersier", body_md="Sama persis.")
    add(as_village, village_slug="kebonsari", slug="only-b", title="Irigasi kebonsari saja")
    assert found(jlodro, "irigasi") == ["/berita/irigasi-a"]
    assert sorted(found(kebonsari, "irigasi")) == ["/berita/irigasi-b", "/berita/only-b"]
    assert found(jlodro, "kebonsari") == []
    with as_village("jlodro"), app.test_request_context():
        assert [h.url for h in search("perbaikan irigasi")] == ["/berita/irigasi-a"]
    with as_village("kebonsari"), app.test_request_context():
        assert [h.url for h in search("sama persis")] == ["/berita/irigasi-b"]


def test_same_item_id_in_index_of_other_village_is_ignored(app, jlodro, as_village):
    """An index row pointing at another village's item (say, left behind) never shows."""
    theirs = add(as_village, village_slug="kebonsari", slug="rahasia", title="Anggaran rahasia")
    with app.app_context(), system_scope():
        db.session.add(SearchEntry(tenant_id=village("jlodro").id, kind="berita", ref_id=theirs,
                                   title="Anggaran rahasia", body=""))
        db.session.commit()
    assert found(jlodro, "rahasia") == []


# -- cost -----------------------------------------------------------------------------
def test_one_query_per_search_and_a_bounded_page(app, jlodro, as_village):
    from app.search import search

    for n in range(30):
        add(as_village, slug=f"p{n}", title=f"Panen raya {n}", body_md="Panen padi.")
    with as_village("jlodro"), app.test_request_context():
        with count_queries(app) as queries:
            hits = search("panen")
        assert len(hits) == 30 and len(queries) == 1, queries
    jlodro.get("/")  # warm the host resolver
    with page_cache_off(app):
        with count_queries(app) as queries:
            assert len(found(jlodro, "panen padi")) == 30
    assert len(queries) <= 5, queries


def test_limit_is_respected(app, as_village):
    from app.search import search

    for n in range(12):
        add(as_village, slug=f"p{n}", title=f"Sedekah bumi {n}")
    with as_village("jlodro"), app.test_request_context():
        assert len(search("sedekah", limit=5)) == 5
        assert len(search("sedekah")) == 12


# -- rebuilding -----------------------------------------------------------------------
def test_reindex_command_rebuilds_one_village_or_all(app, runner, jlodro, as_village):
    add(as_village, slug="a", title="Karang taruna")
    add(as_village, village_slug="kebonsari", slug="b", title="Karang taruna juga")
    with app.app_context(), system_scope():
        db.session.execute(delete(SearchEntry))
        db.session.commit()
        code = village("jlodro").code
    assert found(jlodro, "karang") == []
    result = runner.invoke(args=["search", "reindex", "--village", code])
    assert result.exit_code == 0, result.output
    assert "1 entri" in result.output
    assert found(jlodro, "karang") == ["/berita/a"]
    assert entries(app) == 1
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "2 entri" in result.output, result.output
    assert entries(app) == 2
    result = runner.invoke(args=["search", "reindex"])  # again: same result, no duplicates
    assert result.exit_code == 0 and entries(app) == 2
    assert found(jlodro, "karang") == ["/berita/a"]
    result = runner.invoke(args=["search", "reindex", "--village", "tidak-ada"])
    assert result.exit_code != 0 and "tidak ditemukan" in result.output
