"""Phone numbers and e-mail addresses as a person types them (issue #11: "not-an-email" and a
10,000-digit phone number were saved).

Pure: each check returns an error code (None when the text is fine) that the models turn into
a translated message. The forms, the REST API and imports all reach these through the models'
``business_errors``.

Phones: mainland China numbering plan (MIIT; GB/T 33199 for mobile numbers):
- mobile: 11 digits, ``1[3-9]`` then 9 digits (an optional +86 / 86 / 0086 in front);
- landline: area code 0 + 2 or 3 digits (010, 021, 0371 ...), then 7 or 8 digits, separated by a
  hyphen or a space or written together, optionally in brackets ``(0371)``; an extension after
  ``-``, ``转``, ``ext`` or ``x`` (1-6 digits);
- service numbers 400/800 (``400-123-4567``) for chain stores' head offices.
Separators (spaces, hyphens) in a mobile number are allowed: ``138 0013 8000``.
"""
import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

MAX_PHONE_LENGTH = 30  # the columns' width (String(30))

_COUNTRY = r"(?:(?:\+|00)?86[ -]?)?"
_MOBILE_RE = re.compile(_COUNTRY + r"1[3-9]\d{9}")
_LANDLINE_RE = re.compile(
    _COUNTRY
    + r"(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[1-9]\d{6,7}"
    + r"(?:(?:-|转|ext\.?|x)\d{1,6})?",
    re.IGNORECASE,
)
_SERVICE_RE = re.compile(r"[48]00[ -]?\d{3}[ -]?\d{4}")


def normalise_phone(text):
    """NFKC (full-width digits), trimmed; spaces and hyphens inside a mobile number dropped."""
    s = unicodedata.normalize("NFKC", text or "").strip()
    return s


def phone_error(text):
    """None when ``text`` is a mainland mobile, landline or 400/800 number; else an error code:
    "too_long" or "phone"."""
    s = normalise_phone(text)
    if not s:
        return None
    if len(s) > MAX_PHONE_LENGTH:
        return "too_long"
    compact = re.sub(r"[ -]", "", s)
    if _MOBILE_RE.fullmatch(compact) or _SERVICE_RE.fullmatch(s) or _LANDLINE_RE.fullmatch(s):
        return None
    return "phone"


MAX_EMAIL_LENGTH = 120  # Contact.email is String(120)


def email_error(text):
    """None when ``text`` is a well-formed address (syntax only: no DNS look-up, the office
    network may have none); else "too_long" or "email"."""
    s = (text or "").strip()
    if not s:
        return None
    if len(s) > MAX_EMAIL_LENGTH:
        return "too_long"
    try:
        validate_email(s, check_deliverability=False)
    except EmailNotValidError:
        return "email"
    return None
