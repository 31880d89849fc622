"""Raw TCP to a network Zebra printer (port 9100): the printer reads ZPL from the socket."""

from __future__ import annotations

import socket

from webapp.errors import DomainError

TIMEOUT = 5


class PrinterError(DomainError):
    status = 502


def address(setting: str) -> tuple[str, int]:
    host, _, port = setting.strip().rpartition(":") if ":" in setting else (setting.strip(), "", "9100")
    if not host or not port.isdigit():
        raise DomainError("no_printer", "Set ZEBRA_PRINTER to the printer's host or host:port.", "printer")
    return host, int(port)


def send(setting: str, data: str) -> None:
    host, port = address(setting)
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as conn:
            conn.sendall(data.encode())
    except OSError as exc:
        raise PrinterError(
            "printer_unreachable",
            f"The label printer at {host}:{port} did not answer ({exc}); "
            "check it is on and on the network, or download the labels instead.",
        ) from None
