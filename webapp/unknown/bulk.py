"""Unknown codes of a sync batch in bulk: ``keep`` for a run of sightings (``keep_many``)."""

from __future__ import annotations

from scanner.codes import normalise
from scanner.variable import PREFIXES
from webapp.catalog import service as catalog
from webapp.counting.models import CountSession
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory.ledger import Ledger
from webapp.unknown.models import UnknownScan
from webapp.unknown.service import Sighting, _apply_known, _checked, _remember_count_scans


def _label(raw: str) -> bool:
    code = normalise(raw)
    return bool(code.gtin14) and code.gtin14[1:3] in PREFIXES


def keep_many(seen: list[Sighting], led: Ledger, *, memo: dict) -> dict[int, DomainError]:
    """``keep`` for a run of one store's sightings: each checked by ``keep``'s rules, the codes
    nobody knew yet (the usual case) found in one query and written in one statement; a code
    known by now is applied as ``keep`` applies it. Returns the errors by position."""
    errors: dict[int, DomainError] = {}
    checked: list[tuple[UnknownScan, CountSession | None]] = []
    sessions: dict[str, CountSession] = {}
    for index, one in enumerate(seen):
        try:
            checked.append(_checked(one, sessions))
        except DomainError as err:
            errors[index] = err
    fresh = sorted({scan.raw_code for scan, _ in checked} - set(memo))
    if fresh:
        found = catalog.resolve_many(seen[0].store_id, fresh)
        # A code found, or a price or weight label (whose misreading ``resolve`` refuses, and
        # the batch is then replayed one event at a time), is resolved as ``keep`` resolves it.
        memo.update({raw: None if found.get(raw) is None and not _label(raw)
                     else catalog.resolve(seen[0].store_id, raw) for raw in fresh})
    for scan, session in checked:
        _apply_known(scan, session, memo[scan.raw_code], led)
    db.session.add_all([scan for scan, _ in checked])
    db.session.flush()
    _remember_count_scans([scan for scan, _ in checked])
    return errors
