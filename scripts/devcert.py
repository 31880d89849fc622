"""Write a self-signed certificate for this machine's names, once.

A phone's browser grants the camera only on a secure origin, so `make run` also serves
HTTPS on the LAN address. The certificate is for the demo; production sits behind a
real TLS proxy (README).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main(folder: str, *addresses: str) -> None:
    out = Path(folder)
    cert_path, key_path = out / "dev-cert.pem", out / "dev-key.pem"
    if cert_path.exists() and key_path.exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName(socket.gethostname())]
    for addr in ("127.0.0.1", *addresses):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(addr)))
        except ValueError:
            continue
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Shelfcount demo")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    print(f"wrote a self-signed certificate to {cert_path}")


if __name__ == "__main__":
    main(sys.argv[1], *sys.argv[2:])
