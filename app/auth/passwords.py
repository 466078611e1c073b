"""Minimum password strength (Indonesian messages)."""
from __future__ import annotations

import string

MIN_LENGTH = 10
COMMON = {
    "password", "password1", "password123", "passw0rd", "1234567890", "12345678910",
    "qwertyuiop", "qwerty1234", "admin12345", "administrator", "iloveyou12", "1q2w3e4r5t",
    "bismillah", "bismillah123", "indonesia", "indonesia123", "rahasia123", "katasandi",
    "katasandi123", "desa123456", "sayang12345", "jakarta123", "tuban12345", "letmein123",
    "welcome123", "abc1234567", "0987654321", "1111111111", "superadmin", "operator123",
}


def password_problem(password: str, email: str = "") -> str | None:
    """None when acceptable, else the reason in Indonesian."""
    if len(password) < MIN_LENGTH:
        return f"Kata sandi minimal {MIN_LENGTH} karakter."
    classes = sum(
        any(c in group for c in password)
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    ) + (1 if any(not c.isalnum() for c in password) else 0)
    if classes < 2:
        return "Kata sandi harus memuat minimal dua jenis karakter (huruf, angka, atau simbol)."
    low = password.lower()
    if low in COMMON or low.rstrip("0123456789!") in COMMON:
        return "Kata sandi terlalu umum. Pilih kata sandi lain."
    if email and low == email.lower().split("@")[0]:
        return "Kata sandi tidak boleh sama dengan alamat email."
    return None
