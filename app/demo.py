"""A little demo content for a few villages, so a new user sees a living site."""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import (
    PUBLISHED, Announcement, BudgetLine, Category, Event, Official, Page, PopulationStat,
    Post, SiteSettings, Tag,
)
from app.models.base import utcnow
from tenants.models import Tenant
from tenants.scoping import tenant_context

DEMO_VILLAGES = ("jlodro", "sumurgung-montong", "kebonsari")
#: The demo operator (``flask users demo-login``): its password is in the README, so
#: the account is never created, and refused at login, under ``DESA_ENV=production``.
DEMO_OPERATOR_VILLAGE = "jlodro"
DEMO_OPERATOR_EMAIL = "operator@jlodro.desa"
DEMO_OPERATOR_PASSWORD = "Jlodro-Demo-2026"


def seed_village(tenant: Tenant) -> bool:
    """Fill one village with sample content; returns False if it already has some."""
    with tenant_context(tenant.id):
        if db.session.scalar(select(SiteSettings)) is not None:
            return False
        name = tenant.display_name
        db.session.add(SiteSettings(
            tagline=f"Melayani warga {name} dengan terbuka dan cepat",
            head_name="Bapak Sutrisno",
            welcome=(f"Selamat datang di situs resmi {name}. Di sini warga dapat membaca "
                     "berita, pengumuman, agenda kegiatan, dan laporan anggaran desa."),
            address=f"Jl. Raya {tenant.name} No. 1, Kec. {tenant.kecamatan_name}, Kabupaten Tuban",
            phone="0356 123456", email=f"pemdes.{tenant.slug}@tubankab.go.id",
            office_hours="Senin–Jumat, 08.00–15.00 WIB",
            latitude=Decimal("-6.897000"), longitude=Decimal("112.050000"),
        ))
        for position, (slug, title, body) in enumerate([
            ("sejarah", "Sejarah Desa", f"{name} berdiri sejak masa lampau.\n\n"
             "Menurut cerita para sesepuh, nama desa berasal dari **sumber air** yang "
             "tidak pernah kering."),
            ("visi-misi", "Visi dan Misi", "## Visi\n\nDesa yang maju, mandiri, dan sejahtera.\n\n"
             "## Misi\n\n1. Meningkatkan pelayanan publik.\n2. Membangun infrastruktur desa.\n"
             "3. Memberdayakan ekonomi warga."),
            ("geografi", "Kondisi Geografis", "| Batas | Wilayah |\n|---|---|\n"
             "| Utara | Desa tetangga |\n| Selatan | Hutan jati |"),
        ]):
            db.session.add(Page(slug=slug, title=title, body_md=body, section="profil",
                                position=position, status=PUBLISHED, published_at=utcnow()))
        kegiatan = Category(slug="kegiatan", name="Kegiatan Desa")
        db.session.add(kegiatan)
        gotong = Tag(slug="gotong-royong", name="Gotong royong")
        now = utcnow()
        for days, title in [(1, "Kerja bakti membersihkan saluran irigasi"),
                            (5, "Musyawarah desa membahas RKPDes"),
                            (12, "Penyaluran BLT Dana Desa tahap pertama")]:
            db.session.add(Post(
                slug=title.lower().replace(" ", "-"), title=title, category=kegiatan,
                tags=[gotong], excerpt=f"{title} di {name}.", author_name="Operator Desa",
                body_md=f"Warga {name} mengikuti kegiatan *{title.lower()}*.\n\n"
                        "Kegiatan berjalan lancar dan tertib.",
                status=PUBLISHED, published_at=now - timedelta(days=days),
            ))
        db.session.add(Announcement(
            slug="jadwal-posyandu", title="Jadwal Posyandu Balita",
            body_md="Posyandu balita dilaksanakan setiap tanggal 10 di balai desa.",
            valid_until=date.today() + timedelta(days=30), status=PUBLISHED, published_at=now,
        ))
        db.session.add(Event(
            slug="musrenbangdes", title="Musrenbangdes", starts_on=date.today() + timedelta(days=7),
            start_time=time(9, 0), end_time=time(12, 0), location="Balai Desa",
            body_md="Musyawarah perencanaan pembangunan desa.", status=PUBLISHED, published_at=now,
        ))
        for order, (person, position, group) in enumerate([
            ("Sutrisno", "Kepala Desa", "perangkat"), ("Siti Aminah", "Sekretaris Desa", "perangkat"),
            ("Budi Santoso", "Kaur Keuangan", "perangkat"), ("Hartono", "Ketua BPD", "bpd"),
        ]):
            db.session.add(Official(name=person, position=position, group=group,
                                    position_order=order))
        year = date.today().year
        for order, (section, line, planned, realised) in enumerate([
            ("pendapatan", "Dana Desa", 950_000_000, 712_500_000),
            ("pendapatan", "Alokasi Dana Desa", 420_000_000, 315_000_000),
            ("belanja", "Penyelenggaraan Pemerintahan Desa", 480_000_000, 350_000_000),
            ("belanja", "Pembangunan Desa", 700_000_000, 510_000_000),
            ("belanja", "Pemberdayaan Masyarakat", 190_000_000, 120_000_000),
            ("pembiayaan", "SiLPA tahun sebelumnya", 25_000_000, 25_000_000),
        ]):
            db.session.add(BudgetLine(year=year, section=section, name=line, position=order,
                                      planned=Decimal(planned), realised=Decimal(realised)))
        for order, (category, label, value) in enumerate([
            ("jenis_kelamin", "Laki-laki", 1532), ("jenis_kelamin", "Perempuan", 1589),
            ("umur", "0–14 tahun", 702), ("umur", "15–64 tahun", 2101), ("umur", "65+ tahun", 318),
            ("pendidikan", "SD", 1210), ("pendidikan", "SMP", 820), ("pendidikan", "SMA", 690),
            ("pekerjaan", "Petani", 980), ("pekerjaan", "Pedagang", 240),
        ]):
            db.session.add(PopulationStat(year=year, category=category, label=label,
                                          value=value, position=order))
        db.session.commit()
    tenant.content_updated_at = utcnow()
    db.session.commit()
    return True
