"""The citizens' forms of the PPID desk (WTForms; protected by ``formguard``, not by
the session-bound CSRF token, so that anonymous visitors keep cacheable pages)."""
from __future__ import annotations

import re

from wtforms import (BooleanField, Form, RadioField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app import validation
from app.i18n import N_
from app.models.ppid import COMPLAINT_CATEGORIES, OBJECTION_GROUNDS


EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s]{2,63}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{5,28}$")


def _email(form, field) -> None:
    if field.data and not EMAIL.match(field.data.strip()):
        raise ValidationError(N_("Alamat surel tidak valid."))


def _phone(form, field) -> None:
    if field.data and not PHONE.match(field.data.strip()):
        raise ValidationError(N_("Nomor telepon hanya berisi angka, spasi, + dan -."))


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestForm(Form):
    name = StringField(N_("Nama lengkap"),
                       [DataRequired(N_("Nama wajib diisi.")), Length(max=120)])
    address = TextAreaField(N_("Alamat"),
                            [DataRequired(N_("Alamat wajib diisi.")), Length(max=300)])
    email = StringField(N_("Surel"), [Optional(), Length(max=254), _email])
    phone = StringField(N_("Nomor telepon"), [Optional(), Length(max=30), _phone])
    information = TextAreaField(N_("Informasi yang dibutuhkan"),
                                [DataRequired(N_("Tuliskan informasi yang Anda minta.")),
                                 Length(max=4000)])
    purpose = TextAreaField(N_("Tujuan penggunaan informasi"),
                            [DataRequired(N_("Tuliskan tujuan penggunaan informasi.")),
                             Length(max=2000)])
    obtain = RadioField(N_("Cara memperoleh informasi"),
                        choices=[SelectChoice("melihat",
                                              "Melihat / membaca / mendengarkan / mencatat"),
                                 SelectChoice("salinan", N_("Mendapatkan salinan"))],
                        default="salinan",
                        validators=[InputRequired(N_("Pilih cara memperoleh informasi."))])
    copy_form = RadioField(N_("Bentuk salinan"),
                           choices=[SelectChoice("softcopy", N_("Salinan elektronik (softcopy)")),
                                    SelectChoice("hardcopy", N_("Salinan cetak (hardcopy)"))],
                           default="softcopy", validators=[InputRequired()])
    delivery = SelectField(N_("Cara mengirim salinan"),
                           choices=[SelectChoice("email", N_("Surel")),
                                    SelectChoice("langsung", N_("Diambil langsung")),
                                    SelectChoice("pos", N_("Pos")),
                                    SelectChoice("kurir", N_("Kurir"))],
                           default="email")
    consent = BooleanField(N_("Saya memahami dan menyetujui penggunaan data pribadi di atas"),
                           [DataRequired(N_("Centang persetujuan penggunaan data pribadi."))])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.phone.data or "").strip():
            self.email.errors = [*self.email.errors,
                                 N_("Isi surel atau nomor telepon agar PPID dapat menghubungi "
                                    "Anda.")]
            ok = False
        if self.delivery.data == "email" and not (self.email.data or "").strip():
            self.delivery.errors = [*self.delivery.errors,
                                    N_("Pengiriman lewat surel memerlukan alamat surel.")]
            ok = False
        return ok


class ObjectionForm(Form):
    number = StringField(N_("Nomor registrasi permohonan"),
                         [DataRequired(N_("Nomor registrasi wajib diisi.")), Length(max=60)])
    code = StringField(N_("Kode pelacakan"), [DataRequired(N_("Kode pelacakan wajib diisi.")),
                                          Length(max=64)])
    grounds = CheckboxList(N_("Alasan keberatan (Pasal 35 UU 14/2008)"),
                           choices=[SelectChoice(k, v) for k, v in OBJECTION_GROUNDS.items()],
                           validators=[DataRequired(
                               N_("Pilih satu atau lebih alasan keberatan."))])
    reason = TextAreaField(N_("Uraian keberatan"), [Optional(), Length(max=4000)])


CATEGORY_LABELS = {
    "infrastruktur": N_("Jalan, jembatan dan infrastruktur"),
    "pelayanan": N_("Pelayanan administrasi"),
    "lingkungan": N_("Lingkungan dan kebersihan"),
    "keamanan": N_("Keamanan dan ketertiban"),
    "bantuan_sosial": N_("Bantuan sosial"),
    "lainnya": N_("Lainnya"),
}


class ComplaintForm(Form):
    category = SelectField(N_("Kategori"), choices=[SelectChoice(c, CATEGORY_LABELS[c])
                                                for c in COMPLAINT_CATEGORIES])
    text = TextAreaField(N_("Isi pengaduan"), [DataRequired(N_("Tuliskan pengaduan Anda.")),
                                           Length(max=4000)])
    latitude = StringField(N_("Lintang"), [Optional(), Length(max=20)])
    longitude = StringField(N_("Bujur"), [Optional(), Length(max=20)])
    may_publish = BooleanField(
        N_("Pengaduan (tanpa nama dan kontak) boleh ditampilkan di situs"))
    name = StringField(N_("Nama (boleh dikosongkan)"), [Optional(), Length(max=120)])
    contact = StringField(N_("Surel atau telepon (boleh dikosongkan)"),
                          [Optional(), Length(max=254)])
    consent = BooleanField(N_("Saya menyetujui penggunaan data pribadi di atas"),
                           [Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.place = None
        given = [bool((f.data or "").strip()) for f in (self.latitude, self.longitude)]
        if all(given):
            try:
                self.place = (float(validation.latitude(self.latitude.data)),
                              float(validation.longitude(self.longitude.data)))
            except validation.Invalid as exc:
                self.latitude.errors = [*self.latitude.errors, str(exc)]
                ok = False
        elif any(given):
            self.latitude.errors = [*self.latitude.errors,
                                    N_("Isi lintang dan bujur, atau kosongkan keduanya.")]
            ok = False
        if ((self.name.data or "").strip() or (self.contact.data or "").strip()) \
                and not self.consent.data:
            self.consent.errors = [*self.consent.errors,
                                   N_("Centang persetujuan bila Anda mengisi nama atau kontak.")]
            ok = False
        return ok
