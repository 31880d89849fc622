"""Why an uploaded photo was refused, in words the person holding the phone can act on.

Every refusal carries a stable ``code`` (for the API's error shape and for
tests) and a ``message`` naming the number that was over, the limit, or what
to send instead. One class with a code keeps the HTTP mapping to one place;
the subclasses exist so callers can ``except TooLarge`` when they care.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["Corrupt", "ImageRejected", "NotAnImage", "TooLarge", "TooManyPixels"]

RejectionCode = Literal["not_an_image", "too_large", "too_many_pixels", "corrupt"]


class ImageRejected(ValueError):
    """An image the scanner will not decode. Nothing about it was decoded."""

    code: RejectionCode

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class NotAnImage(ImageRejected):
    def __init__(self, message: str) -> None:
        super().__init__("not_an_image", message)


class TooLarge(ImageRejected):
    def __init__(self, message: str) -> None:
        super().__init__("too_large", message)


class TooManyPixels(ImageRejected):
    def __init__(self, message: str) -> None:
        super().__init__("too_many_pixels", message)


class Corrupt(ImageRejected):
    def __init__(self, message: str) -> None:
        super().__init__("corrupt", message)
