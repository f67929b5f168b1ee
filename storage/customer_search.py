"""Finding customers from what staff typed: exact on references and contact details, forgiving on names.

A name is looked up through an index of every word of each customer's names by its first three and its first two
letters (customer_name_token), which both databases answer from an index; the candidates are then ranked in Python.
The pure parts (which words are indexed, which prefixes are tried, how candidates rank) are public so that the
in-memory fake of the customer repository finds exactly whom this finds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process
from sqlalchemy import Row, Select, bindparam, delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from casework.customer_query import (
    NAME_MATCH_THRESHOLD,
    CustomerQuery,
    QueryKind,
    name_key,
    name_similarity,
    name_tokens,
)
from casework.entities import NewCustomer
from storage.tables import CustomerNameToken, CustomerRecord, table_of

SHORTEST_INDEXED_WORD = 2
CANDIDATES_PER_PREFIX_LOOKUP = 5000
FUZZY_SHORTLIST = 50
"""How many candidates rapidfuzz's C scorer passes on to the slower similarity that knows about initials."""
OTHER_NAMES_SHORTLIST = 200
"""Candidates also known by other names, passed on whatever their main name scores."""


class NameCandidate(NamedTuple):
    customer_id: int
    name_key: str
    other_names: str


def indexed_words(name: str, other_names: str) -> list[str]:
    """The words of a customer's name and other names that the name index holds, each once, in order."""
    words = set(name_tokens(name_key(name))) | set(name_tokens(name_key(other_names)))
    return sorted(word for word in words if len(word) >= SHORTEST_INDEXED_WORD)


def prefix_lookups(key: str) -> Iterator[tuple[int, list[str]]]:
    """(prefix length, prefixes) to find candidates by, narrowest first: words starting with the same three
    letters, then with the same two (which catches a typo in the third letter)."""
    words = [word for word in name_tokens(key) if len(word) >= SHORTEST_INDEXED_WORD]
    for size in (3, 2):
        prefixes = sorted({word[:size] for word in words if len(word) >= size})
        if prefixes:
            yield size, prefixes


def rank(key: str, candidates: Sequence[NameCandidate], limit: int) -> list[int]:
    """The ids of the candidates whose name or other names match well enough, best first (ties by id)."""
    names = [candidate.name_key for candidate in candidates]
    shortlist = [
        candidates[index]
        for _, _, index in process.extract(
            key, names, scorer=fuzz.token_sort_ratio, limit=FUZZY_SHORTLIST, score_cutoff=50
        )
    ]
    shortlist += [candidate for candidate in candidates if candidate.other_names][:OTHER_NAMES_SHORTLIST]
    scores = {
        candidate.customer_id: max(name_similarity(key, candidate.name_key), _other_names_score(key, candidate))
        for candidate in shortlist
    }
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return [customer_id for customer_id, score in ranked if score >= NAME_MATCH_THRESHOLD][:limit]


def _other_names_score(key: str, candidate: NameCandidate) -> float:
    names = [name_key(name) for name in candidate.other_names.split(";") if name.strip()]
    return max((name_similarity(key, name) for name in names), default=0.0)


_CUSTOMER = table_of(CustomerRecord)


def find_customers(session: Session, query: CustomerQuery, limit: int) -> list[Row[Any]]:
    """The customers matching the query, best first: contact details and references exactly (oldest first);
    a name exactly as typed (folded) if anyone has it, else forgivingly (typos, word order, initials, other names).
    Rows of the customer table's columns, not models: a check reads them once (issue 13)."""
    exact = session.execute(_exact_match(query.kind), {"key": query.key, "limit": limit}).all()
    if exact or query.kind is not QueryKind.NAME:
        return list(exact)
    for size, prefixes in prefix_lookups(query.key):
        best = rank(query.key, _candidates(session, size, prefixes), limit)
        if best:
            rows = {row.id: row for row in session.execute(sa_select(*_CUSTOMER.c).where(_CUSTOMER.c.id.in_(best)))}
            return [rows[customer_id] for customer_id in best]
    return []


@functools.cache
def _exact_match(kind: QueryKind) -> Select[Any]:
    """The customers whose column for this kind of query holds exactly the key, oldest first. Built once per kind
    with bound parameters: every check starts with it, and building it cost more CPU than running it (issue 13)."""
    exact_columns = {
        QueryKind.COUNCIL_REFERENCE: _CUSTOMER.c.council_reference,
        QueryKind.POSTCODE: _CUSTOMER.c.postcode,
        QueryKind.PHONE: _CUSTOMER.c.phone,
        QueryKind.EMAIL: _CUSTOMER.c.email,
        QueryKind.NAME: _CUSTOMER.c.name_key,
    }
    return (
        sa_select(*_CUSTOMER.c)
        .where(exact_columns[kind] == bindparam("key"))
        .order_by(_CUSTOMER.c.id)
        .limit(bindparam("limit"))
    )


def _candidates(session: Session, size: int, prefixes: list[str]) -> list[NameCandidate]:
    prefix_column = CustomerNameToken.prefix3 if size == 3 else CustomerNameToken.prefix2
    # A join from the prefix index to the customers' primary key: both databases plan it as index look-ups,
    # where an IN (subquery) made PostgreSQL scan the customer table.
    rows = session.exec(
        select(CustomerRecord.id, CustomerRecord.name_key, CustomerRecord.other_names)
        .join(CustomerNameToken, col(CustomerNameToken.customer_id) == col(CustomerRecord.id))
        .where(col(prefix_column).in_(prefixes))
        .limit(CANDIDATES_PER_PREFIX_LOOKUP)
    ).all()
    unique = {customer_id: (name, other) for customer_id, name, other in rows if customer_id is not None}
    return [NameCandidate(customer_id, name, other) for customer_id, (name, other) in unique.items()]


def index_names(session: Session, customer_id: int, customer: NewCustomer) -> None:
    """(Re)builds the name index of a customer whose names were just written."""
    forget_names(session, customer_id)
    session.add_all(
        CustomerNameToken(customer_id=customer_id, token=word[:100], prefix2=word[:2], prefix3=word[:3])
        for word in indexed_words(customer.name, customer.other_names)
    )
    session.flush()


def forget_names(session: Session, customer_id: int) -> None:
    session.exec(delete(CustomerNameToken).where(col(CustomerNameToken.customer_id) == customer_id))
