"""Routes of a village site. Every query here is scoped to the request's village
by ``tenants.scoping``; none of them filters by tenant itself."""
from __future__ import annotations

from collections import OrderedDict
from datetime import date

from flask import abort, g, jsonify, request
from app.i18n import gettext
from sqlalchemy import bindparam, extract, select

from app.extensions import db
from app.fastpaths import built_once
from app.media import MEDIA_PATH
from app.models import (
    BUDGET_SECTIONS, DOCUMENT_CATEGORIES, GROUPS, PROFIL_SECTIONS, STAT_CATEGORIES, Album,
    Announcement, BudgetLine, Category, Document, Event, Official, Page, PopulationStat, Post,
    Tag,
)
from app.seo import site_url
from app.themes import render
from tenants.routing import current_tenant, request_state

from . import bp
from .queries import (
    TODAY, current_announcements, get_by_slug, get_visible, home_lists, menu_items, paginate,
    site_settings, upcoming_events, visible_posts, without_body,
)


def N_(text: str) -> str:
    """Marks an Indonesian label for the catalogue; it is translated where it is shown."""
    return text


#: Labels the platform defines outside this package (app.models, app.search), listed
#: here so they reach the English catalogue; ``label()`` translates them when shown.
PLATFORM_LABELS = (
    # app.models: BUDGET_SECTIONS, STAT_CATEGORIES, GROUPS, DOCUMENT_CATEGORIES, PROFIL_SECTIONS
    N_("Pendapatan"), N_("Belanja"), N_("Pembiayaan"),
    N_("Jenis Kelamin"), N_("Kelompok Umur"), N_("Pendidikan"), N_("Pekerjaan"),
    N_("Perangkat Desa"), N_("Badan Permusyawaratan Desa (BPD)"), N_("Lembaga Kemasyarakatan"),
    N_("Peraturan Desa"), N_("APBDes"), N_("Laporan"), N_("Surat Keputusan"), N_("Lainnya"),
    N_("Sejarah Desa"), N_("Visi dan Misi"), N_("Kondisi Geografis"), N_("Kondisi Demografis"),
    # app.search: KINDS and the kind label of each hit
    N_("Berita"), N_("Halaman"), N_("Pengumuman"), N_("Agenda"), N_("Dokumen"),
)


@bp.app_template_filter("label")
def label(text) -> str:
    """A platform label in the page language (``{{ hit.kind_label | label }}``).

    Unknown text comes back unchanged, so operator content passes through as entered.
    """
    return gettext(text) if isinstance(text, str) and text else text


def labels(names: dict) -> dict:
    """``{key: label}`` with every label in the page language."""
    return {key: label(name) for key, name in names.items()}


@bp.before_app_request
def _preview_theme():
    """``?pratinjau_tema=<name>``: operators (logged in) preview another theme."""
    from flask import session

    from app.themes import available_themes

    wanted = request.args.get("pratinjau_tema")
    if not wanted or wanted not in available_themes():
        return
    if _is_operator(session):
        request_state().theme_preview = wanted


def _is_operator(session) -> bool:
    """A logged-in operator of this village (or a superadmin), as app.auth sees it."""
    if not session.get("uid"):
        return False
    from app.auth.core import load_user

    if "user" not in g:
        load_user()
    return g.get("user") is not None and bool(g.get("role"))


@bp.app_context_processor
def village_context():
    from app.themes import available_themes, current_theme

    theme = current_theme()
    manifest = available_themes().get(theme, {})
    tenant = current_tenant()
    if tenant is None:
        return {"site": None, "theme_id": theme, "theme_manifest": manifest}
    import re

    settings = site_settings()
    colour = settings.primary_color if settings is not None else ""
    return {
        "theme_id": theme,
        "theme_manifest": manifest,
        # only a real #rrggbb, and only if the theme lets operators change it
        "primary_color": colour if colour and re.fullmatch(r"#[0-9a-fA-F]{6}", colour)
        and "primary" in manifest.get("colors", []) else None,
        "site": tenant,
        "settings": settings,
        "profil_sections": labels(PROFIL_SECTIONS),
        # the operator's extra menu entries (queried only when a template shows the menu)
        "custom_menu": menu_items,
    }




@bp.route("/")
def home():
    posts, announcements, events = home_lists()
    return render("home.html", posts=posts, announcements=announcements, events=events)


@bp.route("/.well-known/desa.json")
def desa_json():
    tenant = current_tenant()
    response = jsonify(
        kode=tenant.code, nama=tenant.name, slug=tenant.slug,
        kecamatan=tenant.kecamatan_name, url=f"https://{tenant.primary_host}/",
    )
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


# -- profil and pages ---------------------------------------------------------
@built_once
def _profil_pages():
    return (select(Page).where(Page.section == "profil", Page.visible())
            .order_by(Page.position, Page.title))


@bp.route("/profil")
def profil():
    return render("profil.html", pages=db.session.scalars(_profil_pages()).all())


@bp.route("/profil/<slug>")
def profil_page(slug: str):
    page = get_visible(Page, slug)
    return render("page.html", page=page)


@bp.route("/halaman/<slug>")
def free_page(slug: str):
    return render("page.html", page=get_visible(Page, slug))


@built_once
def _officials():
    return select(Official).order_by(Official.position_order, Official.name)


@bp.route("/pemerintahan")
def pemerintahan():
    officials = db.session.scalars(_officials()).all()
    groups = OrderedDict((key, []) for key in GROUPS)
    for official in officials:
        groups.setdefault(official.group, []).append(official)
    return render("pemerintahan.html", groups=groups, group_names=labels(GROUPS))


# -- berita -------------------------------------------------------------------
# The list statements are built once, what varies (a category, a tag, a month) a
# parameter: see ``paginate``.
@built_once
def _posts_in(kind: str):
    statement = visible_posts()
    if kind == "category":
        return statement.where(Post.category_id == bindparam("category_id"))
    if kind == "tag":
        return statement.where(Post.tags.any(Tag.id == bindparam("tag_id")))
    return statement.where(extract("year", Post.published_at) == bindparam("year"),
                           extract("month", Post.published_at) == bindparam("month"))


@bp.route("/berita")
def berita():
    return render("berita_list.html", pagination=paginate(visible_posts()),
                  heading=gettext("Berita"))


@bp.route("/berita/kategori/<slug>")
def berita_kategori(slug: str):
    category = get_by_slug(Category, slug)
    pagination = paginate(_posts_in("category"), params={"category_id": category.id})
    return render("berita_list.html", pagination=pagination,
                  heading=gettext("Kategori: %(name)s", name=category.name))


@bp.route("/berita/tag/<slug>")
def berita_tag(slug: str):
    tag = get_by_slug(Tag, slug)
    pagination = paginate(_posts_in("tag"), params={"tag_id": tag.id})
    return render("berita_list.html", pagination=pagination,
                  heading=gettext("Tag: %(name)s", name=tag.name))


@bp.route("/berita/arsip/<int:year>/<int:month>")
def berita_arsip(year: int, month: int):
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        abort(404)
    pagination = paginate(_posts_in("month"), params={"year": year, "month": month})
    from app.i18n import tanggal

    month_name = tanggal(date(year, month, 1), with_day=False).split(" ", 1)[1]
    return render("berita_list.html", pagination=pagination,
                  heading=gettext("Arsip %(month)s", month=month_name))


@bp.route("/berita/<slug>")
def berita_detail(slug: str):
    post = get_visible(Post, slug)
    return render("berita_detail.html", post=post, canonical=site_url(f"/berita/{post.slug}"))


# -- pengumuman and agenda ----------------------------------------------------
@built_once
def _recent_announcements():
    return (select(Announcement).options(*without_body(Announcement))
            .where(Announcement.visible())
            .order_by(Announcement.published_at.desc()).limit(50))


@bp.route("/pengumuman")
def pengumuman():
    current = current_announcements()
    current_ids = {a.id for a in current}
    past = [a for a in db.session.scalars(_recent_announcements())
            if a.id not in current_ids]
    return render("pengumuman.html", current=current, past=past)


@bp.route("/pengumuman/<slug>")
def pengumuman_detail(slug: str):
    return render("pengumuman_detail.html", item=get_visible(Announcement, slug))


@built_once
def _past_events():
    return (select(Event).options(*without_body(Event))
            .where(Event.visible(), Event.starts_on < TODAY)
            .order_by(Event.starts_on.desc()).limit(30))


@bp.route("/agenda")
def agenda():
    past = db.session.scalars(_past_events()).all()
    return render("agenda.html", upcoming=upcoming_events(), past=past)


@bp.route("/agenda/<slug>")
def agenda_detail(slug: str):
    return render("agenda_detail.html", event=get_visible(Event, slug))


# -- galeri and dokumen -------------------------------------------------------
@built_once
def _albums():
    return select(Album).where(Album.visible()).order_by(Album.published_at.desc())


@bp.route("/galeri")
def galeri():
    albums = db.session.scalars(_albums()).all()
    return render("galeri.html", albums=albums)


@bp.route("/galeri/<slug>")
def galeri_album(slug: str):
    return render("galeri_album.html", album=get_visible(Album, slug))


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 4:
        abort(400, description="Tahun tidak valid.")
    return int(raw)


@built_once
def _documents(by_category: bool, by_year: bool):
    statement = select(Document).where(Document.visible())
    if by_category:
        statement = statement.where(Document.category == bindparam("category"))
    if by_year:
        statement = statement.where(Document.year == bindparam("year"))
    return statement.order_by(Document.year.desc(), Document.title)


@built_once
def _document_years():
    return (select(Document.year).where(Document.visible(), Document.year.is_not(None))
            .distinct().order_by(Document.year.desc()))


@bp.route("/dokumen")
def dokumen():
    category = request.args.get("kategori") or None
    if category is not None and category not in DOCUMENT_CATEGORIES:
        abort(400, description="Kategori dokumen tidak dikenal.")
    year = _int_arg("tahun")
    years = db.session.scalars(_document_years()).all()
    pagination = paginate(_documents(bool(category), bool(year)), per_page=20,
                          params={"category": category, "year": year})
    return render("dokumen.html", pagination=pagination, categories=labels(DOCUMENT_CATEGORIES),
                  years=years, selected_category=category, selected_year=year)


# -- transparansi and statistik -----------------------------------------------
@built_once
def _years_of(model):
    return select(model.year).distinct().order_by(model.year.desc())


@built_once
def _budget_lines():
    return (select(BudgetLine).where(BudgetLine.year == bindparam("year"))
            .order_by(BudgetLine.position, BudgetLine.code))


@built_once
def _population_stats():
    return (select(PopulationStat).where(PopulationStat.year == bindparam("year"))
            .order_by(PopulationStat.position, PopulationStat.label))


@bp.route("/transparansi")
def transparansi():
    years = db.session.scalars(_years_of(BudgetLine)).all()
    year = _int_arg("tahun") or (years[0] if years else None)
    sections = OrderedDict((key, []) for key in BUDGET_SECTIONS)
    if year is not None:
        for line in db.session.scalars(_budget_lines(), {"year": year}):
            sections.setdefault(line.section, []).append(line)
    totals = {
        key: (sum(line.planned for line in lines), sum(line.realised for line in lines))
        for key, lines in sections.items()
    }
    from app.charts import budget_chart
    from app.i18n import rupiah

    section_names = labels(BUDGET_SECTIONS)
    chart = budget_chart(sections, totals, section_names, year, rupiah) if year else None
    return render("transparansi.html", years=years, year=year, sections=sections,
                  totals=totals, section_names=section_names, chart=chart)


@built_once
def _budget_lines_for_csv():
    return (select(BudgetLine).where(BudgetLine.year == bindparam("year"))
            .order_by(BudgetLine.section, BudgetLine.position, BudgetLine.code, BudgetLine.id))


@bp.route("/transparansi/apbdes-<int:year>.csv")
def apbdes_csv(year: int):
    """The APBDes lines of one year as CSV (UTF-8 with BOM so spreadsheets read it)."""
    import io
    from decimal import Decimal

    from flask import Response

    import safe_csv

    lines = db.session.scalars(_budget_lines_for_csv(), {"year": year}).all()
    if not lines:
        abort(404)
    out = io.StringIO()
    writer = safe_csv.writer(out)
    writer.writerow(["tahun", "bagian", "kode", "uraian", "anggaran", "realisasi"])
    for line in lines:
        # amounts as numbers (a spreadsheet reads them as such), labels as neutralised text
        writer.writerow([line.year, BUDGET_SECTIONS.get(line.section, line.section), line.code,
                         line.name, Decimal(f"{line.planned:.2f}"),
                         Decimal(f"{line.realised:.2f}")])
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="apbdes-{current_tenant().slug}-{year}.csv"')
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/statistik")
def statistik():
    years = db.session.scalars(_years_of(PopulationStat)).all()
    year = _int_arg("tahun") or (years[0] if years else None)
    groups = OrderedDict((key, []) for key in STAT_CATEGORIES)
    if year is not None:
        for stat in db.session.scalars(_population_stats(), {"year": year}):
            groups.setdefault(stat.category, []).append(stat)
    from app.charts import stat_chart
    from app.i18n import angka

    category_names = labels(STAT_CATEGORIES)
    charts = {key: stat_chart(f"{category_names.get(key, key)} ({year})", stats, angka)
              for key, stats in groups.items() if stats}
    return render("statistik.html", years=years, year=year, groups=groups,
                  category_names=category_names, charts=charts)


@bp.route("/kontak")
def kontak():
    return render("kontak.html")


@bp.route("/peta")
def peta():
    return render("peta.html")


@bp.route("/cari")
def cari():
    from app.search import KINDS, search

    query = request.args.get("q", "").strip()[:100]
    kind = request.args.get("jenis") or None
    if kind is not None and kind not in KINDS:
        abort(400, description="Jenis konten tidak dikenal.")
    hits = search(query, kind) if query else []
    return render("cari.html", query=query, hits=hits, kinds=labels(KINDS), selected_kind=kind)


# -- media files ----------------------------------------------------------------
@bp.route(f"{MEDIA_PATH}<path:key>")  # the address article HTML is written with
def media(key: str):
    """Serve a stored file of this village: the key must carry this village's code
    AND belong to one of its media records (a variant is found through its original)."""
    from flask import Response

    from app.models import MediaFile
    from app.storage import get_storage, original_key

    if not key.startswith(current_tenant().code + "/") or len(key) > 300:
        abort(404)
    found = db.session.scalar(select(MediaFile).where(MediaFile.key == original_key(key)))
    if found is None:
        abort(404)
    try:
        data = get_storage().load(key)
    except FileNotFoundError:
        abort(404)
    response = Response(data, content_type=found.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_template_global()
def media_url(media_file, variant: str | None = None) -> str:
    """URL of a media file (or one of its resized variants) of the current village."""
    from flask import url_for

    from app.storage import variant_key

    if media_file is None:
        return ""
    key = media_file.key
    if variant and variant in (media_file.variants or {}):
        key = variant_key(key, variant)
    return url_for("public.media", key=key)


@bp.app_template_global()
def media_srcset(media_file) -> str:
    """``srcset`` for responsive lazy-loaded images: the copies a browser may choose
    from (``app.media.srcset_candidates``)."""
    from flask import url_for

    from app.media import srcset_candidates

    if media_file is None:
        return ""
    return ", ".join(f"{url_for('public.media', key=key)} {width}w"
                     for key, width in srcset_candidates(media_file))


@bp.app_template_filter()
def pager_query(args, page: int) -> str:
    """The current query string with ``halaman`` set to ``page``."""
    from urllib.parse import urlencode

    params = [(k, v) for k, v in args.items(multi=True) if k != "halaman"]
    params.append(("halaman", str(page)))
    return urlencode(params)
