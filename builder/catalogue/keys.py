"""Ed25519 keys for a catalogue: the operator's role keys on disk (0600) and publishers' keys.

A private key is PEM (PKCS #8); a public key is written as TUF writes keys in metadata,
`{"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": HEX}}`, one line, so an
operator can paste what a council sends into `borough catalogue add-publisher`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from securesystemslib.signer import CryptoSigner, Key, SSlibKey


class BadKey(ValueError):
    """A key that cannot be read or used: the message says which and why."""

    code = "bad-key"


def generate() -> CryptoSigner:
    return CryptoSigner(Ed25519PrivateKey.generate())


def private_pem(signer: CryptoSigner) -> str:
    return signer.private_bytes.decode("ascii")


def signer_from_pem(pem: str) -> CryptoSigner:
    try:
        private = load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError) as error:
        raise BadKey(f"the private key cannot be read: {error}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise BadKey("the private key is not an Ed25519 key")
    return CryptoSigner(private)


def public_json(key: Key) -> str:
    """The public key, one line, as a publisher hands it to a catalogue's operator."""
    return json.dumps(key.to_dict(), sort_keys=True, separators=(",", ":"))


def public_key(text: str) -> SSlibKey:
    """A publisher's public key from `public_json`'s line, or a bare 64-digit hex Ed25519 key."""
    text = text.strip()
    value: Any
    if len(text) == 64 and all(char in "0123456789abcdefABCDEF" for char in text):
        value = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": text.lower()}}
    else:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            raise BadKey("the public key is neither a key line nor 64 hexadecimal digits") from None
    if not isinstance(value, dict) or value.get("keytype") != "ed25519" or value.get("scheme") != "ed25519":
        raise BadKey("the public key is not an Ed25519 key")
    public = value.get("keyval", {}).get("public") if isinstance(value.get("keyval"), dict) else None
    if not isinstance(public, str) or len(public) != 64:
        raise BadKey("the public key's value is not 64 hexadecimal digits")
    try:
        return SSlibKey.from_crypto(Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)))
    except ValueError:
        raise BadKey("the public key's value is not 64 hexadecimal digits") from None


def raw_public_hex(signer: CryptoSigner) -> str:
    private = load_pem_private_key(signer.private_bytes, password=None)
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def write_private(path: Path, signer: CryptoSigner) -> None:
    """Write a private key readable by its owner only, never wider even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(private_pem(signer))


def read_private(path: Path) -> CryptoSigner:
    try:
        pem = path.read_text(encoding="ascii")
    except OSError as error:
        raise BadKey(f"cannot read the key {path}: {error.strerror or error}") from None
    return signer_from_pem(pem)
