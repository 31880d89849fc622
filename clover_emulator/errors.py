"""Clover's error body, ``{"message": ..., "details": ...}`` (clover-api.md 3.5 and 8.10)."""


class CloverError(Exception):
    """An error answered with Clover's JSON shape; ``headers`` carries e.g. 429 extras."""

    def __init__(
        self, status: int, message: str, details: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        body = {"message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(kind: str) -> CloverError:
    return CloverError(404, "Not Found", f"{kind} not found")


def bad_request(details: str) -> CloverError:
    return CloverError(400, "Bad Request", details)


def unauthorized(details: str) -> CloverError:
    """401 for every auth failure, missing scope included: Clover never uses 403 here (2.5)."""
    return CloverError(401, "401 Unauthorized", details)
