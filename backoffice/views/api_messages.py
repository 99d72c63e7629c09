"""The REST API's validation errors in the user's language (SPEC §10).

FAB's generated schemas are marshmallow schemas: a request with a wrong type, a missing field or an
unknown code is refused by marshmallow before our rules run, with marshmallow's English messages
("Missing data for required field.", "Must be one of: C, X."). ``translated_errors`` turns them
into translated messages, field by field. Where the record type states a rule for the field
(``Model.business_errors``, the one place rules live), its message wins, so the API says
"市场类型必须为 C（城镇）或 X（乡村）。" exactly like the form does.
"""
import re

from flask_babel import gettext as _


def _marshmallow_message(text):
    """One marshmallow message -> translated text, or None if it is not one we know."""
    if text in ("Missing data for required field.", "Field may not be null."):
        return _("This field is required.")
    if text == "Not a valid integer.":
        return _("Enter a whole number.")
    if text in ("Not a valid number.", "Not a valid decimal."):
        return _("Enter a number.")
    if text == "Not a valid date.":
        return _("Enter a date as YYYY-MM-DD.")
    if text in ("Not a valid datetime.", "Not a valid naive datetime."):
        return _("Enter a date and time as YYYY-MM-DD HH:MM:SS.")
    if text == "Not a valid boolean.":
        return _("Enter true or false.")
    if text == "Not a valid string.":
        return _("Enter text.")
    if text == "Unknown field.":
        return _("This field is not accepted here.")
    m = re.fullmatch(r"Must be one of: (.*)\.", text)
    if m:
        return _("Must be one of: %(choices)s.", choices=m.group(1))
    m = re.fullmatch(r"Longer than maximum length (\d+)\.", text)
    if m:
        return _("At most %(max)s characters.", max=m.group(1))
    if text.startswith("Could not deserialize related value") or text == "Related Object doesn't exist in DB":
        return _("No such record.")
    return None


def _rule_messages(model, payload):
    """What the record's own rules say about the raw request values (best effort)."""
    if model is None or not isinstance(payload, dict):
        return {}
    try:
        return model.business_errors(payload, None) or {}
    except Exception:  # raw JSON values may not have the types the rules expect
        return {}


def translated_errors(model, messages, payload=None):
    """marshmallow's ``{field: [message, ...]}`` with every known message translated.

    A field the record's rules have a message for gets that message instead; anything else
    (a plain string, our own already translated messages) is returned as it is.
    """
    if not isinstance(messages, dict):
        return messages
    rules = None
    out = {}
    for field, texts in messages.items():
        if isinstance(texts, dict):  # nested schema or a list field's index
            out[field] = translated_errors(None, texts)
            continue
        texts = texts if isinstance(texts, list) else [texts]
        known = [_marshmallow_message(t) if isinstance(t, str) else None for t in texts]
        if any(k is not None for k in known):
            if rules is None:
                rules = _rule_messages(model, payload)
            if field in rules:
                out[field] = [str(rules[field])]
                continue
        out[field] = [k if k is not None else t for k, t in zip(known, texts)]
    return out


# FAB's own 400 messages (flask_appbuilder/api/__init__.py, models/filters.py), in English.
_FAB_400 = [
    (re.compile(r"Not a valid rison(/json)? argument"), lambda m: _("The q argument is not valid Rison.")),
    (re.compile(r"Not a valid rison schema .*", re.S), lambda m: _("The q argument does not have the expected form.")),
    (re.compile(r"Invalid order by column: (.*)", re.S), lambda m: _("The list cannot be sorted by %(column)s.", column=m.group(1)[:50])),
    (re.compile(r"Filter column: (.*) not allowed to filter", re.S),
     lambda m: _("The list cannot be filtered by %(column)s.", column=m.group(1)[:50])),
    (re.compile(r"Filter operation: (.*) not allowed on column: (.*)", re.S),
     lambda m: _("Filter %(operation)s is not allowed on %(column)s.", operation=m.group(1)[:20], column=m.group(2)[:50])),
    (re.compile(r"Request is not JSON"), lambda m: _("The request body must be a JSON object.")),
    (re.compile(r"Cannot use both select and sel columns"), lambda m: _("The q argument does not have the expected form.")),
    (re.compile(r"400 Bad Request: .*", re.S), lambda m: _("The request is not valid.")),  # werkzeug's, via FAB's @safe
]


def translated_400(message):
    """FAB's English 400 message in the user's language; anything else as it is."""
    if not isinstance(message, str):
        return translated_errors(None, message)
    for pattern, make in _FAB_400:
        m = pattern.fullmatch(message.strip())
        if m:
            return make(m)
    return message
