"""Object ids as Clover makes them (clover-api.md, conventions and section 8.12).

Clover ids are 13 characters of uppercase base-36; device ids are UUIDs, not Clover ids.
A seed makes them reproducible, which the generator's determinism test relies on.
"""

import random
import string
import uuid

ALPHABET = string.digits + string.ascii_uppercase
ID_LENGTH = 13


class IdMaker:
    """Makes Clover ids and device UUIDs from one random source (seeded or not)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed) if seed is not None else random.SystemRandom()

    def clover_id(self) -> str:
        return "".join(self._rng.choice(ALPHABET) for _ in range(ID_LENGTH))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def is_clover_id(value: str) -> bool:
    return len(value) == ID_LENGTH and all(ch in ALPHABET for ch in value)
