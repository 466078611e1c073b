"""WTForms form classes of the admin, one module per area.

Every field is a text input checked and converted by a pure function from
``app.validation`` (Indonesian messages; nothing stored while validating).
After ``form.validate()`` a field's clean value is ``field.value``.
"""
from __future__ import annotations

from typing import Any, Callable

from wtforms import FileField, Form, StringField
from wtforms.validators import StopValidation

from app.media import MediaError, prepare_upload
from app.validation import Invalid


class CheckedField(StringField):
    """A text input whose value ``convert`` checks and converts (raises ``Invalid``)."""

    def __init__(self, label=None, convert: Callable[[str], Any] = str, **kwargs):
        super().__init__(label, **kwargs)
        self.convert = convert
        self.value = None

    @property
    def submitted(self) -> bool:
        return bool(self.raw_data)

    def pre_validate(self, form) -> None:
        try:
            self.value = self.convert(self.data if self.data is not None else "")
        except Invalid as exc:
            raise StopValidation(str(exc)) from None


class UploadField(FileField):
    """A file input; a chosen file is checked and re-encoded in memory
    (``app.media.prepare_upload``), never stored while the form validates."""

    def __init__(self, label=None, allowed: tuple[str, ...] = ("image", "pdf"), **kwargs):
        super().__init__(label, **kwargs)
        self.allowed = allowed
        self.value = None

    @property
    def chosen(self) -> bool:
        return bool(self.data is not None and getattr(self.data, "filename", ""))

    def pre_validate(self, form) -> None:
        if not self.chosen:
            self.value = None
            return
        try:
            self.value = prepare_upload(self.data.read(), self.data.filename, self.allowed)
        except MediaError as exc:
            raise StopValidation(str(exc)) from None


def error_list(form: Form) -> list[str]:
    """The form's messages in field order, for the page's error box."""
    return [message for field in form for message in field.errors]


__all__ = ["CheckedField", "Form", "UploadField", "error_list"]
