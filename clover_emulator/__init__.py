"""A local emulator of the Clover REST API v3, served over real HTTP for tests and the demo.

It reproduces the behaviour listed in section 8 of /work/shared/reference/clover-api.md and
imports nothing from the rest of ``webapp``: the product talks to it exactly as it talks to
Clover, through HTTP. Everything that is not Clover lives under ``/_emulator/`` (control.py).
"""

from clover_emulator.app import create_emulator_app

__all__ = ["create_emulator_app"]
