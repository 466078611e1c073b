"""Pictures in articles: a village's own uploads get resized copies to choose from
(``srcset``) and their size (``width``/``height``), computed when the article is saved;
anything else keeps its plain, sanitised ``<img>``. Cheap phones then download a copy
of the width they show instead of an original of up to 4,000 pixels."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.media import ingest
from app.models import Post
from app.models.base import utcnow
from app.storage import variant_key
from cms_testing import PDF, image_bytes
from desa_testing import village


def _images(html: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([a-z-]+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", html)]


def _uploads(as_village) -> dict[str, str]:
    keys = {}
    with as_village("kebonsari"):
        foreign = ingest(image_bytes("JPEG", (2000, 1000)), "asing.jpg", village("kebonsari").code)
        db.session.commit()
        keys["foreign"] = foreign.key
    with as_village("jlodro"):
        code = village("jlodro").code
        big = ingest(image_bytes("JPEG", (2000, 1000)), "sawah.jpg", code, alt="Sawah")
        small = ingest(image_bytes("PNG", (600, 300)), "peta.png", code)
        tiny = ingest(image_bytes("PNG", (200, 100)), "ikon.png", code)
        trashed = ingest(image_bytes("JPEG", (2000, 1000)), "buang.jpg", code)
        document = ingest(PDF, "perdes.pdf", code)
        db.session.flush()
        trashed.deleted_at = utcnow()
        db.session.commit()
        keys.update(big=big.key, small=small.key, tiny=tiny.key, trashed=trashed.key,
                    document=document.key)
    return keys


def test_own_pictures_get_resized_copies_and_their_size(app, as_village, jlodro):
    keys = _uploads(as_village)
    body = "\n\n".join([
        f"![Sawah](/media/{keys['big']})",
        f"![Peta](/media/{keys['small']})",
        f"![Ikon](/media/{keys['tiny']})",
        f"![Asing](/media/{keys['foreign']})",
        f"![Dibuang](/media/{keys['trashed']})",
        f"![Dokumen](/media/{keys['document']})",
        f"![Kecil dengan sengaja](/media/{variant_key(keys['big'], 'thumb')})",
        "![Luar](https://example.org/foto.jpg)",
        # a writer's own srcset is never trusted; their own size is kept
        f'<img src="/media/{keys["big"]}" srcset="https://pelacak.example/x.jpg 9w" '
        f'width="300" alt="Sendiri">',
    ])
    with as_village("jlodro"):
        post = Post(slug="foto", title="Foto sawah", body_md=body, status="published",
                    published_at=utcnow() - timedelta(minutes=1))
        db.session.add(post)
        db.session.commit()
        html = post.body_html
    big, small, tiny, foreign, trashed, document, thumb, outside, own = _images(html)

    large, medium, small_copy = (f"/media/{variant_key(keys['big'], v)}"
                                 for v in ("large", "medium", "thumb"))
    assert big["src"] == large and big["alt"] == "Sawah"
    assert big["srcset"] == f"{small_copy} 320w, {medium} 800w, {large} 1600w"
    assert big["sizes"] == "(min-width: 48rem) 46rem, 100vw"
    assert (big["width"], big["height"]) == ("2000", "1000")
    assert big["loading"] == "lazy"
    # 600 px: one resized copy, and the original itself is the sharpest choice
    assert small["src"] == f"/media/{keys['small']}"
    assert small["srcset"] == (f"/media/{variant_key(keys['small'], 'thumb')} 320w, "
                               f"/media/{keys['small']} 600w")
    # 200 px: nothing to choose from, but its size is known
    assert "srcset" not in tiny and (tiny["width"], tiny["height"]) == ("200", "100")
    for plain in (foreign, trashed, document, thumb, outside):
        assert "srcset" not in plain and "width" not in plain, plain
    assert foreign["src"] == f"/media/{keys['foreign']}"
    assert own["srcset"] != "https://pelacak.example/x.jpg 9w" and "pelacak" not in html
    assert own["width"] == "300" and own["height"] == "1000"

    page = jlodro.get("/berita/foto")
    assert f'srcset="{small_copy} 320w, {medium} 800w, {large} 1600w"' in page.text
    for candidate in big["srcset"].split(", ") + small["srcset"].split(", "):
        served = jlodro.get(candidate.split(" ")[0])
        assert served.status_code == 200 and served.mimetype.startswith("image/"), candidate


def test_preview_shows_what_saving_will_store(app, as_village, logged_in):
    keys = _uploads(as_village)
    operator = logged_in("admin")
    preview = operator.post("/admin/preview", data={"text": f"![Sawah](/media/{keys['big']})"})
    (picture,) = _images(preview.get_json()["html"])
    assert picture["srcset"].endswith(f"/media/{variant_key(keys['big'], 'large')} 1600w")


def test_content_render_brings_stored_articles_up_to_date(app, as_village, runner, jlodro):
    """Articles saved before pictures got their copies: ``flask content render``
    recomputes the stored HTML, keeps the Markdown and the edit counter, and the page
    shows the new HTML at once (the page cache hears of it)."""
    keys = _uploads(as_village)
    with as_village("jlodro"):
        post = Post(slug="lama", title="Berita lama", body_md=f"![Sawah](/media/{keys['big']})",
                    status="published", published_at=utcnow() - timedelta(minutes=1))
        db.session.add(post)
        db.session.commit()
        old_html = f'<p><img alt="Sawah" src="/media/{keys["big"]}"></p>'
        db.session.execute(update(Post).where(Post.id == post.id).values(body_html=old_html))
        db.session.commit()
        version = db.session.scalar(select(Post.version_id).where(Post.id == post.id))
    assert "srcset" not in jlodro.get("/berita/lama").text  # cached as it was

    result = runner.invoke(args=["content", "render", "--village", "jlodro"])
    assert result.exit_code == 0, result.output
    assert "1 dirender ulang" in result.output
    with as_village("jlodro"):
        stored = db.session.execute(select(Post.body_md, Post.body_html, Post.version_id)
                                    .where(Post.slug == "lama")).one()
    assert stored.body_md == f"![Sawah](/media/{keys['big']})"
    assert "srcset" in stored.body_html and stored.version_id == version
    assert "srcset" in jlodro.get("/berita/lama").text
    again = runner.invoke(args=["content", "render"])
    assert again.exit_code == 0 and " 0 dirender ulang (semua desa)" in again.output
    assert runner.invoke(args=["content", "render", "--village", "tidak-ada"]).exit_code != 0
