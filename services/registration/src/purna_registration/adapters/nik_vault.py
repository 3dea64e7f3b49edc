"""Keeping NIKs: a keyed digest to find and de-duplicate them, a sealed copy to read them.

Both keys are derived (HKDF-SHA256) from one secret in settings, so a deployment manages one
secret. The digest is an HMAC, not a plain hash: the NIK space is small and structured (area
codes, birth dates, serials), so an unkeyed SHA-256 would be reversed by enumeration.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
#: bound into every ciphertext so a sealed NIK can't be passed off as another kind of secret
_AAD = b"purna-registration:nik:v1"


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class NikVaultError(Exception):
    """A sealed NIK could not be opened (wrong key or damaged data)."""


class NikVault:
    def __init__(self, secret: str) -> None:
        raw = secret.encode()
        self._digest_key = _derive(raw, b"purna-registration nik digest v1")
        self._aead = AESGCM(_derive(raw, b"purna-registration nik seal v1"))

    def digest(self, nik: str) -> str:
        """The de-duplication key: HMAC-SHA256 of the NIK, 64 hex digits."""
        return hmac.new(self._digest_key, nik.encode(), hashlib.sha256).hexdigest()

    def seal(self, nik: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, nik.encode(), _AAD)

    def open(self, sealed: bytes) -> str:
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _AAD).decode()
        except (InvalidTag, ValueError) as exc:
            raise NikVaultError("the sealed NIK does not open with this key") from exc
