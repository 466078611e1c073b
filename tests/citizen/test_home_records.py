"""The home page's lists and the site settings are read as records (app.public.records):
plain Core statements, scoped and trash-filtered like every other read. These tests
check that what citizens see is what the models say, and nothing of another village."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Announcement, Category, Event, MediaFile, MenuItem, Post, SiteSettings,
)
from app.models.base import utcnow
from desa_testing import count_queries, page_cache_off


def _image(name: str, **extra) -> MediaFile:
    return MediaFile(key=f"records/{name}.jpg", kind="image", content_type="image/jpeg",
                     alt=f"alt {name}", variants={"medium": {"key": f"records/{name}-m.jpg",
                                                             "width": 640, "height": 480}},
                     **extra)


def _home_content(as_village) -> None:
    now = utcnow()
    with as_village("kebonsari"):
        foreign = Category(slug="asing", name="Kategori Kebonsari")
        db.session.add_all([foreign, Post(slug="tetangga", title="Berita tetangga", body_md="x",
                                          status="published", published_at=now)])
        db.session.commit()
        foreign_id = foreign.id
    with as_village("jlodro"):
        category = Category(slug="pertanian", name="Pertanian")
        cover, trashed = _image("sawah"), _image("dibuang", deleted_at=now)
        db.session.add_all([category, cover, trashed])
        db.session.flush()
        db.session.add_all([
            Post(slug="panen", title="Panen raya", excerpt="Hasil panen naik.", body_md="isi",
                 status="published", published_at=now - timedelta(hours=1),
                 category=category, cover=cover),
            Post(slug="sampul-dibuang", title="Sampul dibuang", body_md="x", status="published",
                 published_at=now - timedelta(hours=2), cover_id=trashed.id),
            # a forged reference to another village's category must never be followed
            Post(slug="kategori-asing", title="Kategori asing", body_md="x", status="published",
                 published_at=now - timedelta(hours=3), category_id=foreign_id),
            Post(slug="draf", title="Draf rahasia", body_md="x", status="draft"),
            Post(slug="nanti", title="Terjadwal nanti", body_md="x", status="scheduled",
                 published_at=now + timedelta(days=1)),
            Post(slug="dihapus", title="Berita di tempat sampah", body_md="x",
                 status="published", published_at=now, deleted_at=now),
            Announcement(slug="berlaku", title="Pengumuman berlaku", body_md="x",
                         status="published", published_at=now,
                         valid_until=date.today() + timedelta(days=3)),
            Announcement(slug="kedaluwarsa", title="Pengumuman kedaluwarsa", body_md="x",
                         status="published", published_at=now,
                         valid_until=date.today() - timedelta(days=1)),
            Event(slug="rapat", title="Rapat desa", body_md="x", status="published",
                  published_at=now, starts_on=date.today() + timedelta(days=2),
                  location="Balai desa"),
            Event(slug="lalu", title="Acara yang lalu", body_md="x", status="published",
                  published_at=now, starts_on=date.today() - timedelta(days=2)),
        ])
        db.session.commit()


def test_home_shows_exactly_what_the_models_allow(app, jlodro, as_village):
    _home_content(as_village)
    jlodro.get("/robots.txt")  # the host is resolved: only the page's own queries count
    with page_cache_off(app):
        with count_queries(app) as queries:
            page = jlodro.get("/")
    assert page.status_code == 200
    html = page.text
    for shown in ("Panen raya", "Hasil panen naik.", "Pertanian", "records/sawah-medium.jpg",
                  'alt="alt sawah"', "Sampul dibuang", "Kategori asing", "Pengumuman berlaku",
                  "Rapat desa", "Balai desa"):
        assert shown in html, shown
    for hidden in ("Berita tetangga", "Kategori Kebonsari", "records/dibuang", "Draf rahasia",
                   "Terjadwal nanti", "Berita di tempat sampah", "Pengumuman kedaluwarsa",
                   "Acara yang lalu"):
        assert hidden not in html, hidden
    assert html.index("Panen raya") < html.index("Sampul dibuang") < html.index("Kategori asing")
    # the settings, the menu and the three lists: one statement
    assert len(queries) == 1, queries


def test_records_carry_the_columns_of_the_model(app, as_village):
    """A theme reads a record like the model object: every column under its name, the
    relations it was read with as records (or None), the bodies and the bookkeeping
    left out."""
    from app.public.queries import current_announcements, latest_posts, upcoming_events
    from app.public.records import OMITTED

    _home_content(as_village)
    with as_village("jlodro"):
        with app.test_request_context("/"):
            records = {r.slug: r for r in latest_posts(10)}
            models = {p.slug: p for p in db.session.scalars(select(Post))}
            assert set(records) == {"panen", "sampul-dibuang", "kategori-asing"}
            for slug, record in records.items():
                model = models[slug]
                for column in Post.__table__.c:
                    if column.key in OMITTED:
                        assert not hasattr(record, column.key)
                    else:
                        assert getattr(record, column.key) == getattr(model, column.key), column
            assert records["panen"].category.name == "Pertanian"
            assert records["panen"].cover.variants["medium"]["width"] == 640
            assert records["sampul-dibuang"].cover is None  # trashed: as if there were none
            assert records["kategori-asing"].category is None  # another village's
            assert [a.slug for a in current_announcements()] == ["berlaku"]
            assert [e.slug for e in upcoming_events()] == ["rapat"]


def test_settings_record_has_its_images_and_the_menu_in_order(app, jlodro, as_village):
    from app.public.queries import menu_items, site_settings

    with as_village("jlodro"):
        db.session.add_all([MenuItem(label="Kedua", url="/dua", position=2),
                            MenuItem(label="Pertama", url="/satu", position=1)])
        db.session.commit()
        with app.test_request_context("/"):
            assert site_settings() is None  # never saved: the menu is read on its own
            assert [m.label for m in menu_items()] == ["Pertama", "Kedua"]
        logo, header = _image("logo"), _image("kepala")
        db.session.add(SiteSettings(tagline="Desa hijau", logo=logo, header=header))
        db.session.commit()
        with app.test_request_context("/"):
            settings = site_settings()
            assert settings.tagline == "Desa hijau"
            assert (settings.logo.key, settings.header.key) == ("records/logo.jpg",
                                                               "records/kepala.jpg")
            assert [m.url for m in settings.menu] == ["/satu", "/dua"]
            assert menu_items() is settings.menu
    html = jlodro.get("/").text
    assert html.index(">Pertama<") < html.index(">Kedua<")
    assert "records/logo" in html and "Desa hijau" in html


def test_home_lists_in_one_statement_keep_each_lists_order_and_limit(app, as_village):
    """``home_lists`` reads the three lists as one UNION ALL: each must come out as its
    own statement would give it, ties broken the same way, limits per list."""
    from app.public.queries import (
        current_announcements, home_lists, latest_posts, upcoming_events,
    )

    now, today = utcnow(), date.today()
    with as_village("jlodro"):
        db.session.add_all(
            [Post(slug=f"p{i}", title=f"Berita {i}", body_md="x", status="published",
                  published_at=now - timedelta(hours=i // 2)) for i in range(7)]
            + [Announcement(slug=f"a{i}", title=f"Pengumuman {i}", body_md="x",
                            status="published", published_at=now - timedelta(days=i % 3))
               for i in range(5)]
            + [Event(slug=f"e{i}", title=f"Acara {i}", body_md="x", status="published",
                     published_at=now, starts_on=today + timedelta(days=i % 2),
                     start_time=None if i % 3 == 0 else time(8 + i))
               for i in range(5)])
        db.session.commit()
    with as_village("kebonsari"):
        db.session.add(Post(slug="luar", title="Berita luar", body_md="x", status="published",
                            published_at=now + timedelta(minutes=-1)))
        db.session.commit()
    with as_village("jlodro"), app.test_request_context("/"):
        with count_queries(app) as queries:
            posts, announcements, events = home_lists()
        assert len(queries) == 1
        assert [p.slug for p in posts] == [p.slug for p in latest_posts(4)]
        assert [a.slug for a in announcements] == [a.slug for a in current_announcements(3)]
        assert [e.slug for e in events] == [e.slug for e in upcoming_events(3)]
        assert (len(posts), len(announcements), len(events)) == (4, 3, 3)
        assert "luar" not in [p.slug for p in posts]
        # the newest first, and for equal times the higher id first
        assert [p.slug for p in posts] == ["p1", "p0", "p3", "p2"]


def test_home_batch_reads_the_settings_and_menu_as_every_other_page_does(app, jlodro,
                                                                          as_village):
    """The home page reads the settings and the menu in its one batch; what it finds
    must be what the other pages read on their own: saved or not, with images and a
    menu in order, of this village only."""
    from app.public.queries import home_lists, menu_items, site_settings

    def both_ways():
        with app.test_request_context("/"):
            alone = (site_settings(), menu_items())
        with app.test_request_context("/"):
            home_lists()
            batched = (site_settings(), menu_items())
        assert batched == alone
        return batched

    with as_village("kebonsari"):
        db.session.add_all([SiteSettings(tagline="Desa tetangga"),
                            MenuItem(label="Menu tetangga", url="/x", position=0)])
        db.session.commit()
    with as_village("jlodro"):
        db.session.query(SiteSettings).delete()
        db.session.add_all([MenuItem(label="Kedua", url="/dua", position=2),
                            MenuItem(label="Pertama", url="/satu", position=1),
                            MenuItem(label="Ketiga", url="/tiga", position=2)])
        db.session.commit()
        settings, menu = both_ways()  # never saved: no settings, the menu all the same
        assert settings is None
        # by position, then by id for equal positions
        assert [m.label for m in menu] == ["Pertama", "Kedua", "Ketiga"]
        assert "Menu tetangga" not in [m.label for m in menu]
        db.session.add(SiteSettings(tagline="Desa hijau", logo=_image("logo-batch"),
                                    header=_image("kepala-batch", deleted_at=utcnow())))
        db.session.commit()
        settings, menu = both_ways()
        assert settings.tagline == "Desa hijau" and settings.menu == menu
        assert settings.logo.key == "records/logo-batch.jpg"
        assert settings.header is None  # trashed: as if there were none
    page = jlodro.get("/").text
    assert page.index(">Pertama<") < page.index(">Kedua<")
    assert "Desa hijau" in page and "records/logo-batch" in page and "Menu tetangga" not in page
