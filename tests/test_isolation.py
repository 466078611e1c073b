"""Tenant isolation, the first law: from village A nothing of village B is seen or changed."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import PUBLISHED, Album, Category, MediaFile, Photo, Post, Tag
from app.models.base import utcnow
from tenants.scoping import TenantScopeError, system_scope, tenant_context

from desa_testing import page_cache_off, village


@pytest.fixture()
def two(app):
    """Villages A (jlodro) and B (kebonsari), each with posts, tags and an album."""
    with app.app_context():
        ids = {}
        for slug in ("jlodro", "kebonsari"):
            tenant = village(slug)
            ids[slug] = tenant.id
            with tenant_context(tenant.id):
                tag = Tag(slug="umum", name=f"Umum {slug}")
                for n in range(3):
                    db.session.add(Post(slug=f"post-{n}", title=f"{slug} post {n}", tags=[tag],
                                        body_md="isi", status=PUBLISHED, published_at=utcnow()))
                media = MediaFile(key=f"{tenant.code}/x/{slug}.png", kind="image",
                                  content_type="image/png")
                album = Album(slug="album", title=f"Album {slug}", status=PUBLISHED,
                              published_at=utcnow())
                album.photos.append(Photo(media=media, caption=f"foto {slug}"))
                db.session.add(album)
                db.session.commit()
        db.session.remove()
        yield ids


def _ids_of(model, tenant_id):
    with system_scope():
        return db.session.scalars(select(model.id).where(model.tenant_id == tenant_id)).all()


def test_lists_and_counts_see_only_own_rows(app, two):
    with app.app_context():
        with tenant_context(two["jlodro"]):
            titles = db.session.scalars(select(Post.title)).all()
            assert sorted(titles) == [f"jlodro post {n}" for n in range(3)]
            assert db.session.scalar(select(func.count(Post.id))) == 3
            assert db.session.query(Post).count() == 3  # legacy Query API too
            assert db.session.scalar(select(func.count()).select_from(Post)) == 3


def test_detail_by_id_of_other_village_is_none(app, two):
    with app.app_context():
        other_post = _ids_of(Post, two["kebonsari"])[0]
        db.session.remove()
        with tenant_context(two["jlodro"]):
            assert db.session.get(Post, other_post) is None
            assert db.session.scalar(select(Post).where(Post.id == other_post)) is None


def test_relationship_loads_are_scoped(app, two):
    with app.app_context(), tenant_context(two["jlodro"]):
        post = db.session.scalar(select(Post).where(Post.slug == "post-0"))
        assert [t.name for t in post.tags] == ["Umum jlodro"]
        album = db.session.scalar(select(Album))
        assert [p.caption for p in album.photos] == ["foto jlodro"]
        assert album.photos[0].media.key.endswith("jlodro.png")


def test_joins_and_aliases_are_scoped(app, two):
    with app.app_context(), tenant_context(two["jlodro"]):
        other = aliased(Post)
        pairs = db.session.execute(
            select(Post.title, other.title).join(other, other.slug == Post.slug)
        ).all()
        assert all(a.startswith("jlodro") and b.startswith("jlodro") for a, b in pairs)
        assert len(pairs) == 3
        tag_titles = db.session.scalars(select(Post.title).join(Post.tags)).all()
        assert len(tag_titles) == 3 and all(t.startswith("jlodro") for t in tag_titles)
        assert db.session.scalar(select(func.count(Tag.id)).where(Tag.id.is_not(None))) == 1
        # a Core statement whose only tenant table sits in a subquery is scoped too
        in_subquery = select(func.count()).select_from(select(Post.id).subquery())
        assert db.session.scalar(in_subquery) == 3
        where_in = select(func.count(Tag.id)).where(Tag.id.in_(select(Tag.id)))
        assert db.session.scalar(where_in) == 1


def test_bulk_update_and_delete_touch_only_own_rows(app, two):
    with app.app_context():
        with tenant_context(two["jlodro"]):
            result = db.session.execute(update(Post).values(title="diubah"))
            assert result.rowcount == 3
            db.session.execute(delete(Photo))
            db.session.commit()
        with system_scope():
            b_titles = db.session.scalars(
                select(Post.title).where(Post.tenant_id == two["kebonsari"])).all()
            assert sorted(b_titles) == [f"kebonsari post {n}" for n in range(3)]
            assert db.session.scalar(select(func.count(Photo.id))) == 1


def test_bulk_update_with_where_on_other_ids_changes_nothing(app, two):
    with app.app_context():
        b_ids = _ids_of(Post, two["kebonsari"])
        with tenant_context(two["jlodro"]):
            result = db.session.execute(update(Post).where(Post.id.in_(b_ids)).values(title="x"))
            assert result.rowcount == 0
            db.session.commit()


def test_new_rows_are_stamped_with_current_village(app, two):
    with app.app_context(), tenant_context(two["kebonsari"]):
        post = Post(slug="baru", title="baru", body_md="")
        db.session.add(post)
        db.session.commit()
        assert post.tenant_id == two["kebonsari"]


def test_writing_into_another_village_is_refused(app, two):
    with app.app_context(), tenant_context(two["jlodro"]):
        db.session.add(Post(slug="evil", title="evil", body_md="", tenant_id=two["kebonsari"]))
        with pytest.raises(TenantScopeError):
            db.session.commit()
        db.session.rollback()


def test_changing_or_deleting_a_row_of_another_village_is_refused(app, two):
    with app.app_context():
        with system_scope():
            foreign = db.session.scalar(select(Post).where(Post.tenant_id == two["kebonsari"]))
        with tenant_context(two["jlodro"]):
            foreign.title = "dibajak"
            with pytest.raises(TenantScopeError):
                db.session.flush()
            db.session.rollback()
        with system_scope():
            foreign = db.session.scalar(select(Post).where(Post.tenant_id == two["kebonsari"]))
        with tenant_context(two["jlodro"]):
            db.session.delete(foreign)
            with pytest.raises(TenantScopeError):
                db.session.flush()
            db.session.rollback()
        own = None
        with tenant_context(two["jlodro"]):
            own = db.session.scalar(select(Post))
            own.tenant_id = two["kebonsari"]  # moving a row out of its village
            with pytest.raises(TenantScopeError):
                db.session.flush()
            db.session.rollback()


def test_no_tenant_no_data(app, two):
    with app.app_context():
        with pytest.raises(TenantScopeError):
            db.session.scalars(select(Post)).all()
        with pytest.raises(TenantScopeError):
            db.session.execute(update(Post).values(title="semua"))
        db.session.rollback()
        db.session.add(Post(slug="yatim", title="yatim", body_md=""))
        with pytest.raises(TenantScopeError):
            db.session.commit()
        db.session.rollback()


def test_system_scope_sees_everything_explicitly(app, two):
    with app.app_context(), system_scope():
        assert db.session.scalar(select(func.count(Post.id))) == 6


def test_tenant_is_read_per_execution_not_cached_in_compiled_query(app, two):
    statement = select(Post.title).where(Post.slug == "post-1")
    with app.app_context():
        with tenant_context(two["jlodro"]):
            assert db.session.scalars(statement).all() == ["jlodro post 1"]
        with tenant_context(two["kebonsari"]):
            assert db.session.scalars(statement).all() == ["kebonsari post 1"]
        with tenant_context(two["jlodro"]):
            assert db.session.scalars(statement).all() == ["jlodro post 1"]


def test_a_remembered_rewrite_keeps_every_check(app, two):
    """A statement built once is rewritten once (``StatementRewrites``); executing it
    again must still be refused without a village and see everything in system scope."""
    import gc

    from tenants.scoping import _scoped_statements

    statement = select(Post.title).order_by(Post.title)
    with app.app_context():
        with tenant_context(two["jlodro"]):
            assert len(db.session.scalars(statement).all()) == 3
        remembered = len(_scoped_statements._memo)
        with pytest.raises(TenantScopeError):
            db.session.scalars(statement).all()
        with system_scope():
            assert len(db.session.scalars(statement).all()) == 6
        with tenant_context(two["kebonsari"]):
            assert db.session.scalars(statement).all() == [
                "kebonsari post 0", "kebonsari post 1", "kebonsari post 2"]
        assert len(_scoped_statements._memo) == remembered  # rewritten once, reused

        # statements built per request are not kept alive by the memo
        before = len(_scoped_statements._memo)
        with tenant_context(two["jlodro"]):
            for n in range(50):
                db.session.scalars(select(Post.id).where(Post.id == n)).all()
        gc.collect()
        assert len(_scoped_statements._memo) <= before


def test_http_routes_never_show_other_villages_content(app, two, client):
    a = client.get("/berita", headers={"Host": "jlodro.tubankab.go.id"}).text
    b = client.get("/berita", headers={"Host": "kebonsari.tubankab.go.id"}).text
    assert "jlodro post" in a and "kebonsari post" not in a
    assert "kebonsari post" in b and "jlodro post" not in b
    detail = client.get("/berita/post-0", headers={"Host": "jlodro.tubankab.go.id"}).text
    assert "jlodro post 0" in detail and "kebonsari" not in detail
    album = client.get("/galeri/album", headers={"Host": "kebonsari.tubankab.go.id"}).text
    assert "foto kebonsari" in album and "foto jlodro" not in album


def test_settings_and_menu_never_follow_a_request_into_another_village(app, two, client):
    """Settings and menu are loaded once per request; an app context that outlives one
    request (held here by the test) must not carry them to the next village's page."""
    from app.models import MenuItem, SiteSettings

    with app.app_context():
        with tenant_context(two["jlodro"]):
            db.session.add(SiteSettings(tagline="Semboyan khas Jlodro"))
            db.session.add(MenuItem(label="Menu khas Jlodro", url="/halaman/khas"))
            db.session.commit()
        with page_cache_off(app):
            a = client.get("/", headers={"Host": "jlodro.tubankab.go.id"}).text
            b = client.get("/", headers={"Host": "kebonsari.tubankab.go.id"}).text
    assert "Semboyan khas Jlodro" in a and "Menu khas Jlodro" in a
    assert "Semboyan khas Jlodro" not in b and "Menu khas Jlodro" not in b


def test_media_of_another_village_is_not_served(app, two, client):
    with app.app_context():
        kebonsari_code = village("kebonsari").code
    response = client.get(f"/media/{kebonsari_code}/x/kebonsari.png",
                          headers={"Host": "jlodro.tubankab.go.id"})
    assert response.status_code == 404


def test_core_statements_on_tenant_tables_are_scoped_too(app, two):
    """``with_loader_criteria`` only knows mapped classes: a statement that reads the
    *table* of a tenant-owned model used to see every village. Plain Core statements
    are scoped in their WHERE (or ON, for an outer join) at any depth."""
    from sqlalchemy import exists, outerjoin

    posts, tags, categories = Post.__table__, Tag.__table__, Category.__table__
    with app.app_context():
        with tenant_context(two["jlodro"]):
            db.session.add(Category(slug="umum", name="Umum jlodro"))
            db.session.commit()
        with tenant_context(two["kebonsari"]):
            db.session.add(Category(slug="umum", name="Umum kebonsari"))
            db.session.commit()
        with tenant_context(two["jlodro"]):
            assert db.session.scalar(select(func.count()).select_from(posts)) == 3
            rows = db.session.execute(select(posts.c.tenant_id, posts.c.title)).all()
            assert {r.tenant_id for r in rows} == {two["jlodro"]} and len(rows) == 3
            # in a subquery, a scalar subquery and an EXISTS
            counted = select(func.count()).select_from(select(posts.c.id).subquery())
            assert db.session.scalar(counted) == 3
            scalar = select(select(func.count()).select_from(tags).scalar_subquery())
            assert db.session.scalar(scalar) == 1
            other = posts.alias("other")
            twins = select(func.count()).select_from(posts).where(
                exists().where(other.c.slug == posts.c.slug, other.c.id != posts.c.id))
            assert db.session.scalar(twins) == 0  # each slug is used once per village
            # an outer join keeps its unmatched rows, but never matches another village
            joined = select(posts.c.slug, categories.c.name).select_from(
                outerjoin(posts, categories, categories.c.slug == "umum"))
            pairs = db.session.execute(joined).all()
            assert sorted(pairs) == [(f"post-{n}", "Umum jlodro") for n in range(3)]
            # a Core UPDATE changes only this village's rows, also through another table
            other_village = update(posts).where(categories.c.name == "Umum kebonsari",
                                                categories.c.slug != posts.c.slug)
            assert db.session.execute(other_village.values(title="x")).rowcount == 0
            assert db.session.execute(update(posts).values(title="ubah")).rowcount == 3
            db.session.commit()
        with system_scope():
            assert db.session.scalar(
                select(func.count()).select_from(posts).where(posts.c.title == "ubah")) == 3
        with tenant_context(two["kebonsari"]):
            assert db.session.scalar(select(func.count()).select_from(posts)) == 3
            assert db.session.execute(delete(posts)).rowcount == 3
            db.session.rollback()
        with pytest.raises(TenantScopeError):  # still nothing without a village
            db.session.scalar(select(func.count()).select_from(posts))


def test_statements_that_cannot_be_scoped_are_refused(app, two):
    """What the mechanism cannot scope is refused, never run unscoped."""
    from sqlalchemy import insert, literal_column, table, text

    posts, categories = Post.__table__, Category.__table__
    with app.app_context(), tenant_context(two["jlodro"]):
        refused = [
            # a tenant table inside an ORM statement, where the ORM criteria miss it
            select(Post.id).join(categories, categories.c.id == Post.category_id),
            select(Post.id, select(func.count()).select_from(posts).scalar_subquery()),
            # inserts skip the village stamp of the flush
            insert(posts).values(slug="x", title="x", body_md="", tenant_id=two["kebonsari"]),
            insert(Post).values(slug="x", title="x", body_md=""),
            # SQL text and lightweight tables name the table with nothing to scope by
            select(literal_column("1")).select_from(text("post")),
            select(table("post", literal_column("id"))),
            text("SELECT title FROM post"),
            posts.join(categories, full=True).select(),
        ]
        for statement in refused * 2:  # the decision is remembered per shape: refused again
            with pytest.raises(TenantScopeError):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.scalar(text("SELECT 1")) == 1  # text about nothing owned is fine
    with app.app_context(), system_scope():
        assert db.session.scalar(text("SELECT count(*) FROM post")) == 6


def test_core_statements_hide_the_trash_like_the_orm(app, two):
    """The trash filter follows the same rule as the tenant scoping: a plain Core
    statement on a trashable table does not see trashed rows unless it asks."""
    from sqlalchemy import outerjoin

    posts, categories = Post.__table__, Category.__table__
    with app.app_context(), tenant_context(two["jlodro"]):
        db.session.add(Category(slug="umum", name="Umum"))
        trashed = db.session.scalar(select(Post).where(Post.slug == "post-0"))
        trashed.deleted_at = utcnow()
        db.session.commit()
        count = select(func.count()).select_from(posts)
        assert db.session.scalar(count) == 2
        assert db.session.scalar(select(func.count(Post.id))) == 2
        assert db.session.scalar(count.execution_options(include_trashed=True)) == 3
        # in a subquery, and on the NULL-extended side of an outer join
        assert db.session.scalar(select(func.count()).select_from(
            select(posts.c.id).subquery())) == 2
        joined = select(categories.c.name, posts.c.slug).select_from(
            outerjoin(categories, posts, posts.c.slug == "post-0"))
        assert db.session.execute(joined).all() == [("Umum", None)]
        # a Core UPDATE leaves trashed rows alone, as the ORM one does
        assert db.session.execute(update(posts).values(title="ubah")).rowcount == 2
        db.session.rollback()


def test_orm_bulk_update_by_primary_key_is_refused(app, two):
    """A list of rows given to ``update(Model)`` is SQLAlchemy's bulk UPDATE by primary
    key, which the loader criteria do not reach: another village's row would change."""
    with app.app_context():
        b_tag = _ids_of(Tag, two["kebonsari"])[0]
        with tenant_context(two["jlodro"]):
            with pytest.raises(TenantScopeError):
                db.session.execute(update(Tag), [{"id": b_tag, "name": "dibajak"}])
            db.session.rollback()
        with system_scope():
            assert db.session.get(Tag, b_tag).name == "Umum kebonsari"

