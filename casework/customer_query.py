"""What a member of staff typed to find a customer: a name, council reference, postcode, phone or email.

Matching keys are normalised here so that storage indexes and queries agree on them.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from rapidfuzz import fuzz

# The UK postcode shape (outward code, inward code). No well-kept PyPI package does only this, so a
# documented pattern it is; the inward code is always digit + two letters.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNCIL_REFERENCE = re.compile(r"^[A-Z]{1,4}[-/]?\d{3,}[A-Z0-9/-]*$")


class QueryKind(enum.StrEnum):
    NAME = "name"
    COUNCIL_REFERENCE = "council_reference"
    POSTCODE = "postcode"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class CustomerQuery:
    kind: QueryKind
    key: str
    text: str


def name_key(name: str) -> str:
    """Case-, accent- and spacing-insensitive form of a name: 'José  O'Brien' → 'jose o'brien'."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().replace("’", "'").replace(".", " ").replace(",", " ")
    return " ".join(folded.split())


def name_tokens(key: str) -> list[str]:
    """The words of a name key, letters and digits only (apostrophes and hyphens dropped): "o'brien" → "obrien"."""
    return ["".join(ch for ch in word if ch.isalnum()) for word in key.replace("-", " ").split() if word]


def postcode_key(text: str) -> str | None:
    """'ln8 2ab', 'LN82AB' → 'LN8 2AB'; None if it is not a UK postcode."""
    match = _POSTCODE.match(" ".join(text.upper().split()))
    return f"{match.group(1)} {match.group(2)}" if match else None


def phone_key(text: str) -> str | None:
    """Any common UK way of writing a number → E.164 ('01427 676676', '+44 (0)1427 676676' → '+441427676676')."""
    if sum(ch.isdigit() for ch in text) < 7 or re.search(r"[A-Za-z]", text):
        return None
    cleaned = text.replace("(0)", "")
    try:
        number = phonenumbers.parse(cleaned, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(text: str) -> str | None:
    text = text.strip().lower()
    return text if _EMAIL.match(text) else None


def council_reference_key(text: str) -> str | None:
    compact = text.strip().upper().replace(" ", "")
    return compact if _COUNCIL_REFERENCE.match(compact) else None


def interpret(text: str) -> CustomerQuery:
    """Decides what kind of thing was typed; anything that is not a contact detail or reference is a name."""
    text = " ".join(text.split())
    for kind, normalise in (
        (QueryKind.EMAIL, email_key),
        (QueryKind.POSTCODE, postcode_key),
        (QueryKind.PHONE, phone_key),
        (QueryKind.COUNCIL_REFERENCE, council_reference_key),
    ):
        key = normalise(text)
        if key:
            return CustomerQuery(kind, key, text)
    return CustomerQuery(QueryKind.NAME, name_key(text), text)


NAME_MATCH_THRESHOLD = 82.0


def name_similarity(query_key: str, candidate_key: str) -> float:
    """0 to 100: how well a typed name matches a stored one, forgiving typos, word order and initials."""
    if not query_key or not candidate_key:
        return 0.0
    score = max(fuzz.token_sort_ratio(query_key, candidate_key), fuzz.ratio(query_key, candidate_key))
    query_tokens, candidate_tokens = query_key.split(), candidate_key.split()
    if not any(len(token) > 1 for token in query_tokens):
        return 0.0  # initials alone identify nobody
    if set(query_tokens) <= set(candidate_tokens):
        score = max(score, 90.0)  # 'Smith' finds every Smith, for the pick list
    if any(len(token) == 1 for token in query_tokens) and len(query_tokens) <= len(candidate_tokens):
        # 'J Smith' for 'Jane Smith': an initial matches a word it begins; other words are compared fuzzily.
        remaining = list(candidate_tokens)
        total = 0.0
        for token in query_tokens:
            best = max(remaining, key=lambda c: _token_score(token, c))
            total += _token_score(token, best)
            remaining.remove(best)
        score = max(score, total / len(query_tokens))
    return float(score)


def _token_score(token: str, candidate: str) -> float:
    if len(token) == 1:
        return 100.0 if candidate.startswith(token) else 0.0
    return float(fuzz.ratio(token, candidate))
