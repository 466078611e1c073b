"""Rebuild the English catalogue: ``python app/public/translations/build_catalog.py``.

Extracts the interface strings of every theme (``pybabel extract`` logic),
applies the English texts from ``EN`` below, and writes ``en/LC_MESSAGES``
``messages.po`` and the compiled ``messages.mo`` that Flask-Babel reads.
Strings without a translation stay Indonesian.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

EN = {
    "Agenda mendatang": "Upcoming events", "Agenda": "Events", "Akan datang": "Upcoming",
    "Album ini belum berisi foto.": "This album has no photos yet.", "Anggaran": "Budget",
    "Belum ada agenda mendatang.": "No upcoming events yet.",
    "Belum ada album foto.": "No photo albums yet.",
    "Belum ada berita dari desa.": "No news from the villages yet.",
    "Belum ada berita yang diterbitkan.": "No news has been published yet.",
    "Belum ada dokumen untuk pilihan ini.": "No documents for this selection yet.",
    "Belum ada pengumuman dari desa.": "No announcements from the villages yet.",
    "Belum ada pengumuman yang berlaku.": "No current announcements.",
    "Beranda": "Home", "Berikutnya": "Next",
    "Berita dan pengumuman desa": "Village news and announcements",
    "Berita dan pengumuman": "News and announcements",
    "Berita desa se-Kabupaten Tuban": "Village news across Tuban Regency",
    "Berita desa": "Village news", "Berita lain bulan ini": "More news from this month",
    "Berita terbaru": "Latest news", "Berita": "News", "Berlaku saat ini": "Current",
    "Buka di OpenStreetMap": "Open in OpenStreetMap", "Buka di aplikasi peta": "Open in a map app",
    "Cari di situs ini": "Search this site", "Cari di": "Search", "Cari": "Search",
    "Cari…": "Search…",
    "Data APBDes belum diisi oleh operator desa.": "The village has not published its budget (APBDes) yet.",
    "Data perangkat desa belum diisi.": "No officials listed yet.",
    "Data statistik penduduk belum diisi.": "No population statistics yet.",
    "Data tahun": "Data for", "Data wilayah: Kemendagri via idn-area-data (ODbL).":
    "Area data: Ministry of Home Affairs via idn-area-data (ODbL).",
    "Direktori situs resmi seluruh desa dan kelurahan di Kabupaten Tuban.":
    "Directory of the official websites of every village in Tuban Regency.",
    "Direktori": "Directory", "Dokumen": "Documents", "Foto": "Photo", "Galeri": "Gallery",
    "Halaman populer": "Popular pages", "Halaman": "Page", "Hasil pencarian": "Search results",
    "Informasi kontak belum diisi oleh operator desa.": "Contact details have not been filled in yet.",
    "Jenis": "Type", "Jumlah": "Total", "Kantor": "Office", "Kata kunci": "Keywords",
    "Kecamatan": "District", "Kelompok": "Group", "Kembali ke beranda": "Back to the home page",
    "Kembali ke daftar berita": "Back to all news", "Kode wilayah": "Area code",
    "Kontak": "Contact", "Koordinat kantor": "Office coordinates",
    "Langganan berita (Atom)": "Subscribe to news (Atom)",
    "Langganan berita seluruh desa (Atom)": "Subscribe to news from every village (Atom)",
    "Langsung ke isi": "Skip to content", "Layanan cepat": "Quick links",
    "Lokasi kantor desa belum diisi oleh operator desa.": "The office location has not been filled in yet.",
    "Menu utama": "Main menu", "Menu": "Menu", "Pemerintahan": "Government",
    "Pengumuman sebelumnya": "Earlier announcements", "Pengumuman terbaru": "Latest announcements",
    "Pengumuman": "Announcements", "Persen": "Percent",
    "Peta lokasi kantor desa": "Map of the village office", "Peta": "Map",
    "Platform Desa Kabupaten Tuban": "Tuban Regency village platform",
    "Portal Desa Kabupaten Tuban": "Tuban Regency village portal", "Portal Desa": "Village portal",
    "Portal seluruh desa:": "Portal of all villages:",
    "Profil lengkap desa belum diisi oleh operator desa.": "The village profile has not been filled in yet.",
    "Profil": "Profile", "Realisasi": "Spent", "Sebelumnya": "Previous",
    "Selamat datang di": "Welcome to", "Semua album": "All albums", "Semua berita": "All news",
    "Semua kecamatan": "All districts", "Semua": "All", "Situs resmi": "Official website of",
    "Statistik Penduduk": "Population statistics", "Statistik": "Statistics",
    "Sudah berlangsung": "Past events", "Tag": "Tag", "Tahun": "Year", "Tampilkan": "Show",
    "Tidak ada hasil. Coba kata kunci lain yang lebih umum.": "No results. Try a more general keyword.",
    "Tidak ada pengumuman yang berlaku saat ini.": "No current announcements.",
    "Transparansi APBDes": "Budget transparency", "Transparansi Anggaran (APBDes)":
    "Budget transparency (APBDes)", "Transparansi": "Transparency", "Tutup": "Close",
    "Ukuran asli": "Full size", "Unduh data CSV": "Download CSV data", "Uraian": "Item",
    "Titik menandai kantor desa. Dasar peta tidak dimuat; gunakan koordinat dan tautan di bawah.":
    "The dot marks the village office. No base map is loaded; use the coordinates and links below.",
    "Direktori Situs Desa dan Kelurahan": "Directory of village websites",
    "Situs resmi seluruh desa dan kelurahan di Kabupaten Tuban, dikelompokkan per kecamatan.":
    "Official websites of every village in Tuban Regency, grouped by district.",
    "Cari desa atau kecamatan": "Search for a village or district", "tampilkan semua": "show all",
    "Tidak ada desa yang cocok dengan pencarian Anda.": "No village matches your search.",
    "Direktori Desa": "Village directory",
    "berlaku sampai": "valid until", "Tabel": "Table", "dari": "of", "hasil untuk": "results for",
    "Grafik anggaran dan realisasi per bagian. Angka lengkap ada di tabel di bawah.":
    "Budget and spending per section. The full figures are in the tables below.",
    "Peta dibuat dengan Leaflet; dasar peta © kontributor OpenStreetMap bila tersedia.":
    "Map made with Leaflet; base map © OpenStreetMap contributors when available.",
}


def build() -> Catalog:
    catalog = Catalog(locale="en", domain="messages", project="desa", charset="utf-8")
    method_map = [("**/templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "themes"), method_map, keywords={"_": None}
    ):
        if message and message not in catalog:
            catalog.add(message, EN.get(message, ""))
    out = HERE / "en" / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "messages.po", "wb") as fh:
        write_po(fh, catalog, width=100)
    with open(out / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    return catalog


if __name__ == "__main__":
    catalog = build()
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{len(catalog)} messages, {len(missing)} untranslated: {missing}")
