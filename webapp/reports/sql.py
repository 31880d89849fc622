"""SQL helpers shared by the reports (``unindexed`` is the ledger's: ``webapp/inventory/sql.py``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, case, cast


def value_sql(quantity, cost_cents, measure):
    """``webapp.quantity.value_cents`` in SQL: a weighed item's thousandths rounded half away from zero."""
    product = cast(quantity, BigInteger) * cost_cents
    return case(
        (measure != "weight", product),
        (product >= 0, (product + 500) // 1000),  # // : integer division, both operands >= 0
        else_=-((-product + 500) // 1000))
