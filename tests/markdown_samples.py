"""Markdown sources for the renderer's tests: a long real-world article, and inputs
that made the previous renderer (Python-Markdown) run for seconds to minutes."""
from __future__ import annotations

import random

PARAGRAPH = (
    "Pemerintah Desa bersama *Badan Permusyawaratan Desa* (BPD) menggelar musyawarah "
    "di balai desa pada hari Senin. Kepala Desa menyampaikan bahwa **realisasi APBDes** "
    "tahun ini mencapai 87%, lebih tinggi dari tahun lalu. Rincian lengkap dapat dilihat "
    "di [halaman transparansi](/transparansi) atau di situs "
    "[Kabupaten Tuban](https://tubankab.go.id). \"Kami berterima kasih kepada warga,\" "
    "ujarnya -- sambil menunjukkan papan informasi... Warga juga menanyakan jadwal "
    "posyandu, perbaikan saluran air, dan program padat karya tunai desa."
)


def long_article(sections: int = 12) -> str:
    """A long news article as village writers write them: headings, paragraphs with
    emphasis and links, nested lists, numbered steps, budget tables, quotes,
    pictures and footnotes."""
    parts = ["Laporan lengkap kegiatan desa selama satu tahun anggaran.[^1]\n"]
    for n in range(1, sections + 1):
        parts.append(f"## {n}. Bidang pembangunan ke-{n}\n")
        parts += [PARAGRAPH + (f"[^{n + 1}]" if n < 10 else "") + "\n"] * 4
        parts.append(f"![Kegiatan bidang {n}](/media/35.23.01.2001/2026/11/foto-{n}.jpg "
                     f"\"Foto kegiatan {n}\")\n")
        parts.append("Kegiatan yang sudah berjalan:\n\n" + "".join(
            f"- Kegiatan {n}.{i}: pembangunan rabat beton dusun {i}\n"
            f"    - volume {i * 50} meter, dikerjakan warga\n"
            f"    - sumber dana: Dana Desa\n" for i in range(1, 5)))
        parts.append("Langkah pengajuan:\n\n" + "".join(
            f"{i}. Ajukan permohonan ke kantor desa (langkah {i})\n" for i in range(1, 6)))
        parts.append("| No | Uraian | Anggaran (Rp) | Realisasi (Rp) |\n"
                     "|---:|--------|--------------:|---------------:|\n" + "".join(
                         f"| {i} | Kegiatan {n}.{i} jalan dan saluran | "
                         f"{i * 12_500_000:,} | {i * 11_000_000:,} |\n".replace(",", ".")
                         for i in range(1, 16)))
        parts.append("> Pembangunan desa adalah kerja bersama seluruh warga.\n"
                     "> -- Kepala Desa\n")
        parts.append("---\n")
    parts += [f"[^{n}]: Sumber: laporan realisasi APBDes semester {n}, "
              "[unduh PDF](/dokumen/laporan).\n" for n in range(1, 11)]
    return "\n".join(parts)


def pathological(size: int = 50_000) -> dict[str, str]:
    """Inputs whose rendering cost grew with the square of their size (or worse)."""
    return {
        "open brackets": "[" * size,
        "unclosed links": "[a](" * (size // 4),
        "unclosed images": "![" * (size // 2),
        "link openers nested": "[" * (size // 2) + "a" + "](b)" * (size // 8),
        "nested lists 2,000 levels": "".join("  " * i + "- x\n" for i in range(2000)),
        "nested lists as deep as the length allows": "".join(
            "  " * i + "- x\n" for i in range(int(size ** 0.5) - 5)),
        "nested numbered lists": "".join("   " * i + "1. x\n" for i in range(2000)),
        "nested quotes": ">" * size + " x",
        "quoted lists": "".join("> " * i + "- x\n" for i in range(2000)),
        "5,000 abbreviations": "".join(f"*[A{i}]: kata {i}\n" for i in range(5000))
        + " ".join(f"A{i}" for i in range(5000)),
        "5,000 footnotes": "".join(f"x[^{i}]\n\n" for i in range(5000))
        + "".join(f"[^{i}]: catatan {i}\n" for i in range(5000)),
        "footnotes as many as the length allows": "".join(
            f"x[^{i}]\n\n" for i in range(size // 25))
        + "".join(f"[^{i}]: c\n" for i in range(size // 25)),
        "footnote references to few notes": "".join(f"[^{i % 50}]" for i in range(size // 6))
        + "\n\n" + "".join(f"[^{i}]: x\n" for i in range(50)),
        "repeated long reference": "[r]: /" + "x" * (size // 2) + "\n\n" + "[a][r] " * (size // 16),
        "references as many as the length allows": "".join(
            f"[r{i}]: /x{i}\n" for i in range(size // 27))
        + " ".join(f"[a][r{i}]" for i in range(size // 27)),
        "emphasis openers": "*a " * (size // 3),
        "mixed emphasis": "*a_ " * (size // 4),
        "backtick runs": "`a``" * (size // 4),
        "angle brackets": "<" * size,
        "unclosed html tags": "<a " * (size // 3),
        "nested html": "<div>" * (size // 5) + "x",
        "formatting reopened in every paragraph": "".join(f"<b id=b{i}>" for i in range(90))
        + "\n\n" + "x\n\n" * (size // 3 - 400),
        "entities": "&#" * (size // 2),
        "wide table": "|" + "a|" * (size // 26) + "\n|" + "-|" * (size // 26) + "\n"
        + ("|" + "x|" * (size // 26) + "\n") * 10,
        "long table": "|a|b|\n|-|-|\n" + "|x|y|\n" * (size // 6 - 5),
        "double quotes": '"a ' * (size // 3),
        "nul and controls": "\x00\x01\x1b" * (size // 3),
        "lone surrogates": "\ud800a" * (size // 2),
    }


def random_markdown(seed: int, size: int = 20_000) -> str:
    """Random text built from Markdown's special characters and fragments."""
    rng = random.Random(seed)
    pieces = ["[", "]", "(", ")", "![", "*", "_", "`", "~", "<", ">", "&", "#", "|", "-",
              "\n", "\n\n", "  ", "    ", "1. ", "- ", "> ", "[^1]", "[^1]: ", "*[A]: ",
              "<div>", "</div>", "<b id=x>", "http://a.id ", "\\", '"', "'", "a", "kata "]
    return "".join(rng.choice(pieces) for _ in range(size // 3))[:size]
