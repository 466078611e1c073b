"""Forms of the PPID desk's steps and of the replies to complaints."""
from __future__ import annotations

from functools import partial

from wtforms import BooleanField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from app import validation
from app.models.ppid import COMPLAINT_STATES, EXEMPTIONS, REQUEST_CLOSED
from app.ppid.service import EXTENSION_DAYS

from . import CheckedField, Form

OUTCOME_LABELS = {"dipenuhi": "Dipenuhi", "dipenuhi_sebagian": "Dipenuhi sebagian",
                  "ditolak": "Ditolak (informasi dikecualikan)",
                  "tidak_dikuasai": "Informasi tidak dikuasai desa"}


def _optional_link(raw: str) -> str:
    return validation.link_url(raw, label="Tautan") if raw and raw.strip() else ""


def _optional_id(raw: str) -> int | None:
    return validation.integer(raw, label="Dokumen", minimum=1) if raw and raw.strip() else None


class NoteForm(Form):
    note = CheckedField("Catatan", convert=partial(validation.text, label="Catatan",
                                                    max_length=2000))


class ExtensionForm(Form):
    reason = CheckedField("Alasan perpanjangan", convert=partial(
        validation.text, label="Alasan perpanjangan", max_length=2000, required=True))
    days = CheckedField("Lama perpanjangan (hari kerja)", default=str(EXTENSION_DAYS),
                        convert=partial(validation.integer, label="Lama perpanjangan",
                                        minimum=1, maximum=EXTENSION_DAYS))


class DecisionForm(Form):
    outcome = SelectField("Keputusan", choices=[SelectChoice(k, OUTCOME_LABELS[k])
                                                for k in REQUEST_CLOSED],
                          validators=[InputRequired("Pilih keputusan.")])
    answer = CheckedField("Jawaban / pemberitahuan tertulis", convert=partial(
        validation.text, label="Jawaban", max_length=20_000))
    link = CheckedField("Tautan informasi", convert=_optional_link)
    document_id = CheckedField("Nomor dokumen (dari menu Dokumen)", convert=_optional_id)
    exemption = SelectField("Alasan pengecualian (Pasal 17 UU 14/2008)",
                            choices=[SelectChoice("", "—")] + [
                                SelectChoice(k, f"{k}. {v}") for k, v in EXEMPTIONS.items()],
                            default="")


class ObjectionAnswerForm(Form):
    outcome = SelectField("Tanggapan", choices=[
        SelectChoice("dikabulkan", "Keberatan diterima: PPID memberikan informasi"),
        SelectChoice("ditolak", "Keberatan ditolak")],
        validators=[InputRequired("Pilih tanggapan.")])
    answer = CheckedField("Tanggapan tertulis atasan PPID", convert=partial(
        validation.text, label="Tanggapan", max_length=20_000, required=True))


class ComplaintReplyForm(Form):
    status = SelectField("Status", choices=[SelectChoice(s, s.capitalize())
                                            for s in COMPLAINT_STATES])
    reply = CheckedField("Tanggapan", convert=partial(
        validation.text, label="Tanggapan", max_length=validation.TEXT_MAX))
    published = BooleanField("Tampilkan di halaman pengaduan (tanpa nama dan kontak)")


__all__ = ["ComplaintReplyForm", "DecisionForm", "ExtensionForm", "NoteForm",
           "ObjectionAnswerForm"]
