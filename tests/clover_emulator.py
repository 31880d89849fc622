"""The Clover emulator over real HTTP, for the product's tests and the benches.

The harness lives with the emulator (clover_emulator/harness.py); this is the path every test
and bench imports it by, so they keep working whichever side of the move they were written on.
"""

from clover_emulator.harness import EmulatorControlError, RunningEmulator, _QuietHandler

__all__ = ["EmulatorControlError", "RunningEmulator", "_QuietHandler"]
