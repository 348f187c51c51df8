"""Finding one customer's email addresses and phone numbers in free text (case notes and
outcomes, promoter notes), in the spellings people type them.

Emails match in any letter case. A phone is stored in E.164 (+6281234567890); in a note it
may be written internationally (+62 812-3456-7890, 62812…, 0062 812…, +62 (0)812…),
nationally with the country's trunk prefix (0812 3456 7890, (0812) 3456-7890 in Indonesia;
Spain has none: 612 345 678), or as the bare national number, with spaces, dots, dashes,
slashes or brackets anywhere between the digits. The country code and trunk prefix come from
the `phonenumbers` metadata, so this works for every country, not only +62 and +34; a stored
number it cannot parse is matched by its digits alone.
"""

import re
from collections.abc import Iterable

import phonenumbers

# What people put between the digits of a phone number.
SEPARATOR = r"[\s.\-()/]{0,3}"
# The optional international call prefix before a country code.
INTERNATIONAL = rf"(?:(?:\+|00){SEPARATOR})?"
# A bare national number shorter than this is too likely to be something else.
MIN_BARE_DIGITS = 7


def _spaced(digits: str) -> str:
    """The digits, each possibly followed by separators (so '0812' also finds '08-12')."""
    return SEPARATOR.join(re.escape(d) for d in digits)


def phone_patterns(phone: str) -> list[str]:
    """Regular expressions (without anchors) for the usual spellings of one phone number."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return []
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return [INTERNATIONAL + _spaced(digits)]
    country = str(number.country_code)
    national = phonenumbers.national_significant_number(number)
    patterns = [rf"{INTERNATIONAL}{_spaced(country)}{SEPARATOR}(?:\(0\){SEPARATOR})?{_spaced(national)}"]
    region = phonenumbers.region_code_for_country_code(number.country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    prefix = (metadata.national_prefix or "") if metadata else ""
    if prefix:
        patterns.append(rf"\(?{_spaced(prefix)}{SEPARATOR}{_spaced(national)}")
    if len(national) >= MIN_BARE_DIGITS:
        patterns.append(rf"\(?{_spaced(national)}")
    return patterns


def contact_pattern(*, emails: Iterable[str] = (), phones: Iterable[str] = ()) -> re.Pattern | None:
    """One pattern matching any of these emails or phones in any usual spelling; None if none."""
    # An address, not part of a longer one (ba@example.com.au is not a@example.com).
    parts = [
        rf"(?<![\w.+-]){re.escape(email.strip())}(?![\w-]|\.\w)"
        for email in sorted(set(emails))
        if email and email.strip()
    ]
    phone_parts = [pattern for phone in sorted(set(phones)) for pattern in phone_patterns(phone)]
    if phone_parts:
        # Not inside a longer number: no digit (or +) just before, no digit just after.
        parts.append(rf"(?<![\d+])(?:{'|'.join(phone_parts)})(?!\d)")
    if not parts:
        return None
    return re.compile("|".join(f"(?:{part})" for part in parts), re.IGNORECASE)


def scrub(text: str, pattern: re.Pattern | None, replacement: str) -> str:
    """The text with every match of the pattern replaced."""
    if not text or pattern is None:
        return text
    return pattern.sub(replacement, text)
