"""English: with English selected, nothing the platform writes on a public page is
Indonesian any more. Operator content (titles, bodies, labels the village typed)
and names from the area data stay as they are and are left out of the check.

Also: the English catalogue is complete, has no fuzzy or empty entries, and its
compiled ``.mo`` matches the ``.po``.
"""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select, update

#: Indonesian words of the interface (whole words, any case). Month and day names
#: that English spells the same (April, September, November) cannot be told apart.
INDONESIAN = [
    "Beranda", "Berita", "Berita Terbaru", "Pengumuman", "Galeri", "Dokumen", "Transparansi",
    "Statistik", "Peta", "Kontak", "Profil", "Pemerintahan", "Lainnya", "Selengkapnya",
    "Belum ada", "Cari", "Halaman", "Sebelumnya", "Berikutnya", "Kembali", "Semua", "Tahun",
    "Jumlah", "Anggaran", "Realisasi", "Uraian", "Kelompok", "Persen", "Tabel", "Kecamatan",
    "Kec", "Kabupaten", "Tampilkan", "Unduh", "Foto", "Tutup", "Tanggal", "Waktu", "Tempat",
    "Diperbarui", "berlaku", "Selamat datang", "Perangkat", "Pendapatan", "Belanja",
    "Pembiayaan", "Pendidikan", "Pekerjaan", "Alamat", "Telepon", "Surel", "Lokasi",
    "Koordinat", "Buka", "Maaf", "Kategori", "Arsip", "Jenis", "Kata kunci", "hasil",
    "Langganan", "Menu utama", "Langsung ke isi", "Situs", "Direktori", "Aktif", "Kantor",
    "yang", "dan", "dari", "untuk", "belum", "tidak", "ada", "oleh",
    "Januari", "Februari", "Maret", "Mei", "Juni", "Juli", "Agustus", "Oktober", "Desember",
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
]
WORDS = re.compile(r"\b(" + "|".join(re.escape(w) for w in INDONESIAN) + r")\b", re.IGNORECASE)
HUMAN_ATTRS = ("alt", "title", "aria-label", "placeholder", "data-label", "data-note")
EN = {"Cookie": "lang=en"}  # the language cookie (sent by hand: the clients keep no cookies)

VILLAGE_PAGES = [
    "/", "/profil", "/profil/sejarah", "/pemerintahan", "/berita", "/berita?halaman=2",
    "/berita/kategori/kegiatan", "/berita/tag/gotong-royong", "@archive", "@post",
    "/pengumuman", "/pengumuman/jadwal-posyandu", "/agenda", "/agenda/musrenbangdes",
    "/agenda/rapat-lalu", "/galeri", "/galeri/album-uji", "/dokumen", "/dokumen?kategori=perdes",
    "/transparansi", "/statistik", "/peta", "/kontak", "/halaman/tentang-situs", "/cari",
    "/cari?q=desa", "/cari?q=zzzzqq", "/tidak-ada", "/dokumen?tahun=x",
]
EMPTY_PAGES = ["/", "/profil", "/pemerintahan", "/berita", "/pengumuman", "/agenda", "/galeri",
               "/dokumen", "/transparansi", "/statistik", "/peta", "/kontak", "/cari",
               "/cari?q=desa", "/tidak-ada"]
PORTAL_PAGES = ["/", "/?q=jlodro", "/?q=zzzzqq", "/berita", "/berita?kecamatan=Kenduruan",
                "/tidak-ada", "/berita?kecamatan=Atlantis"]


class _Text(HTMLParser):
    """Text nodes and human-readable attributes, skipping scripts, styles, JSON-LD and
    anything marked as Indonesian on purpose (``lang="id"``: the language switch)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.lang: str | None = None
        self._skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
            return
        if tag in ("script", "style") or attrs.get("lang") == "id":
            self._skip.append(tag)
            return
        if self._skip:
            return
        for name in HUMAN_ATTRS:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        if tag == "meta" and attrs.get("property", "").startswith("og:title"):
            self.chunks.append(attrs.get("content", ""))

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def operator_texts(app, slugs) -> list[str]:
    """Every text the villages' operators typed (all text columns of every village-owned
    table, HTML bodies as their text) plus the names from the area data."""
    from app.extensions import db
    from tenants.models import Tenant
    from tenants.scoping import system_scope

    texts: set[str] = set()
    with app.app_context(), system_scope():
        for tenant in db.session.scalars(select(Tenant)):
            texts.update({tenant.display_name, tenant.name, tenant.kecamatan_name,
                          tenant.regency_name})
        ids = [t.id for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(slugs)))]
        for table in db.metadata.sorted_tables:
            if "tenant_id" not in table.c:
                continue
            columns = [c for c in table.c if isinstance(c.type, (String, Text))]
            if not columns:
                continue
            for row in db.session.execute(select(*columns).where(table.c.tenant_id.in_(ids))):
                for value in row:
                    if not value or not isinstance(value, str):
                        continue
                    if "<" in value:
                        parser = _Text()
                        parser.feed(value)
                        texts.update(_norm(c) for c in parser.chunks)
                    texts.add(_norm(value))
    return sorted((t for t in texts if t), key=len, reverse=True)


def platform_text(html: str, operator: list[str]) -> tuple[str | None, str]:
    """(``<html lang>``, the page's text without operator content)."""
    parser = _Text()
    parser.feed(html)
    haystack = "\n".join(operator)
    kept = []
    for chunk in parser.chunks:
        chunk = _norm(chunk)
        # a text node that is part of operator text (a title, a paragraph of a body,
        # a highlighted piece of a search snippet) is the village's, not the platform's
        if len(chunk) >= 3 and chunk.strip(" …·.,:;()") in haystack:
            continue
        for text in operator:
            if len(text) >= 3 and text in chunk:
                chunk = chunk.replace(text, " ")
        kept.append(chunk)
    return parser.lang, " | ".join(kept)


def indonesian_words(text: str) -> list[str]:
    return sorted({m.group(0) for m in WORDS.finditer(text)})


@pytest.fixture()
def client(app):
    """A test client that sends exactly the Cookie header it is given."""
    return app.test_client(use_cookies=False)


@pytest.fixture()
def jlodro(client):
    from desa_testing import VillageClient

    return VillageClient(client, "jlodro")


@pytest.fixture()
def village_content(app, seeded):
    """The demo content of Jlodro plus what the demo lacks: a past event, an album,
    documents, a free page, an operator menu entry and enough news for two pages."""
    from app.extensions import db
    from app.models import PUBLISHED, Album, Document, Event, MediaFile, MenuItem, Page, Photo, Post
    from app.models.base import utcnow
    from desa_testing import village
    from tenants.scoping import tenant_context

    with app.app_context():
        tenant = village("jlodro")
        with tenant_context(tenant.id):
            now = utcnow()
            image = MediaFile(key=f"{tenant.code}/uji/foto.jpg", kind="image",
                              content_type="image/jpeg", size=2048, width=10, height=10)
            pdf = MediaFile(key=f"{tenant.code}/uji/perdes.pdf", kind="pdf",
                            content_type="application/pdf", size=5120)
            db.session.add_all([image, pdf])
            album = Album(slug="album-uji", title="Album uji coba", status=PUBLISHED,
                          published_at=now)
            album.photos = [Photo(media=image, caption="", position=0),
                            Photo(media=image, caption="Balai desa", position=1)]
            db.session.add(album)
            db.session.add(Document(slug="perdes-1", title="Perdes Nomor 1", category="perdes",
                                    year=now.year, file=pdf, status=PUBLISHED, published_at=now))
            db.session.add(Document(slug="laporan", title="Laporan tahunan", category="laporan",
                                    status=PUBLISHED, published_at=now))
            db.session.add(Event(slug="rapat-lalu", title="Rapat lalu",
                                 starts_on=now.date() - timedelta(days=20),
                                 status=PUBLISHED, published_at=now - timedelta(days=30)))
            db.session.add(Page(slug="tentang-situs", title="Tentang situs", section="halaman",
                                body_md="Halaman bebas.", status=PUBLISHED, published_at=now))
            db.session.add(MenuItem(label="Tautan operator", url="/halaman/tentang-situs",
                                    position=0))
            for n in range(12):
                db.session.add(Post(slug=f"kabar-{n}", title=f"Kabar nomor {n}", body_md="Isi.",
                                    status=PUBLISHED, published_at=now - timedelta(days=40 + n)))
            db.session.commit()
    return True


def _check(client_get, paths, operator, problems, *, host_label):
    for path in paths:
        response = client_get(path, headers=dict(EN))
        html = response.get_data(as_text=True)
        lang, text = platform_text(html, operator)
        if lang != "en":
            problems.append(f"{host_label}{path}: <html lang={lang!r}>")
        found = indonesian_words(text)
        if found:
            problems.append(f"{host_label}{path} ({response.status_code}): {found}\n"
                            f"    {text[:3000]}")


def test_english_village_with_content(app, jlodro, village_content):
    operator = operator_texts(app, ["jlodro"])
    html = jlodro.get("/berita", headers=dict(EN)).get_data(as_text=True)
    post = re.search(r'href="(/berita/[a-z0-9-]+)"', html).group(1)
    detail = jlodro.get(post, headers=dict(EN)).get_data(as_text=True)
    archive = re.search(r'href="(/berita/arsip/\d+/\d+)"', detail).group(1)
    paths = [{"@post": post, "@archive": archive}.get(p, p) for p in VILLAGE_PAGES]
    problems: list[str] = []
    _check(jlodro.get, paths, operator, problems, host_label="jlodro")
    assert not problems, "\n".join(problems)

    # the things the check above relies on are really there, in English
    def page(path):
        return jlodro.get(path, headers=dict(EN)).get_data(as_text=True)

    assert "Page 1 of 2" in page("/berita") and "Previous" in page("/berita?halaman=2")
    home = page("/")
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d+ "
                     r"(January|February|March|April|May|June|July|August|September|October|"
                     r"November|December) \d{4}", home)
    assert ">More<" in home and "Tautan operator" in home  # the operator's entry as typed
    assert "Revenue" in page("/transparansi") and "Actual" in page("/transparansi")
    assert '<title id="chart' in page("/statistik") and "Age group (" in page("/statistik")
    assert "2 photos" in page("/galeri") and 'alt="Photo 1"' in page("/galeri/album-uji")
    assert "Download PDF (5 KB)" in page("/dokumen")
    feed = page("/feed.xml")
    assert 'xml:lang="en"' in feed and "Desa Jlodro: news and announcements" in feed
    assert 'term="News"' in feed and 'term="Berita"' not in feed


def test_english_empty_village(app, client):
    from desa_testing import VillageClient

    bancar = VillageClient(client, "bancar")
    operator = operator_texts(app, ["bancar"])
    problems: list[str] = []
    _check(bancar.get, EMPTY_PAGES, operator, problems, host_label="bancar")
    assert not problems, "\n".join(problems)
    assert "No news has been published yet." in bancar.get(
        "/berita", headers=dict(EN)).get_data(as_text=True)


def test_english_portal_and_errors(app, client, seeded):
    from app.extensions import db
    from tenants.models import Tenant
    from tenants.resolver import get_resolver
    from tenants.scoping import system_scope

    operator = operator_texts(app, ["jlodro", "kebonsari"])
    problems: list[str] = []

    def portal_get(path, headers):
        return client.get(path, headers={**headers, "Host": "tubankab.go.id"})

    _check(portal_get, PORTAL_PAGES, operator, problems, host_label="portal")

    def other_host(host):
        return lambda path, headers: client.get(path, headers={**headers, "Host": host})

    # an unknown village (404) and a village under maintenance (503)
    _check(other_host("tidak-ada-desanya.tubankab.go.id"), ["/"], operator, problems,
           host_label="unknown village")
    with app.app_context(), system_scope():
        db.session.execute(update(Tenant).where(Tenant.slug == "bancar").values(status="suspended"))
        db.session.commit()
        get_resolver(app).invalidate()
    response = client.get("/", headers={**EN, "Host": "bancar.tubankab.go.id"})
    assert response.status_code == 503
    _check(other_host("bancar.tubankab.go.id"), ["/"], operator, problems, host_label="suspended")
    assert not problems, "\n".join(problems)

    html = portal_get("/", EN).get_data(as_text=True)
    assert "Village directory" in html and "villages." in html
    assert "1 village matches" in portal_get("/?q=jlodro", EN).get_data(as_text=True)
    assert "Site under maintenance" in response.get_data(as_text=True)
    feed = portal_get("/feed.xml", EN).get_data(as_text=True)
    assert "Tuban Regency village portal" in feed and 'xml:lang="en"' in feed


def test_english_server_error_page(app):
    """The 500 page (rendered by the error handler) in English."""
    from werkzeug.exceptions import InternalServerError

    from app.errors import handle_http_error

    with app.test_request_context("/", base_url="http://tubankab.go.id", headers=EN):
        html = handle_http_error(InternalServerError()).get_data(as_text=True)
    lang, text = platform_text(html, [])
    assert lang == "en" and "Something went wrong" in text
    assert not indonesian_words(text), indonesian_words(text)


def test_indonesian_is_still_the_default(jlodro, seeded):
    html = jlodro.get("/").get_data(as_text=True)
    assert '<html lang="id">' in html
    assert ">Beranda<" in html and ">Lainnya<" in html and "Berita terbaru" in html
    assert re.search(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d+ \w+ \d{4}", html)


# -- the catalogue --------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app" / "public" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _catalog():
    from babel.messages.pofile import read_po

    with open(PO, "rb") as fh:
        return read_po(fh, locale="en")


def test_catalogue_has_no_fuzzy_or_empty_entries():
    catalog = _catalog()
    assert not catalog.fuzzy, "the header of messages.po is marked fuzzy"
    bad = []
    for message in catalog:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy or not all(texts):
            bad.append(message.id)
    assert not bad, f"entries without (final) English: {bad}"
    assert len(catalog) > 150


def test_catalogue_covers_every_marked_string():
    """Every string marked in the sources listed in babel.cfg is in the catalogue
    (run ``python app/public/translations/build_catalog.py`` after adding one)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalog = _catalog()
    missing = set()
    for filename, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map,
        directory_filter=lambda d: not Path(d).name.startswith((".", "_"))
        and Path(d).name != "node_modules",
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid and catalog.get(msgid, context=context) is None:
            missing.add(f"{filename}: {msgid!r}")
    assert not missing, sorted(missing)


def test_compiled_catalogue_matches_the_po():
    from babel.messages.mofile import read_mo

    with open(PO.with_suffix(".mo"), "rb") as fh:
        compiled = read_mo(fh)
    for message in _catalog():
        if not message.id:
            continue
        found = compiled.get(message.id, context=message.context)
        as_tuple = (lambda v: tuple(v) if isinstance(v, (list, tuple)) else (v,))
        assert found is not None and as_tuple(found.string) == as_tuple(message.string), (
            f"messages.mo is out of date for {message.id!r}: "
            "run python app/public/translations/build_catalog.py")
