"""Signed, expiring links (e-mail confirmation, yearly confirmation), one salt per purpose; and sealed links
(a handover), whose payload holds personal data and is encrypted as well as signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from geo_registry.core.errors import GeoRegistryError
from geo_registry.core.text import N_, _


class LinkInvalid(GeoRegistryError):
    """A link that was tampered with, or that has expired."""

    status = 400
    code = "link_invalid"
    default_message = N_("Deze link is niet geldig.")


def make_token(secret: str, purpose: str, payload, issued_at: int | None = None) -> str:
    """Sign payload for one purpose (issued now, or at the given Unix time)."""
    serializer = URLSafeTimedSerializer(secret, salt=f"geo-registry:{purpose}")
    if issued_at is not None:
        signer = serializer.make_signer(serializer.salt)
        signer.get_timestamp = lambda: issued_at  # type: ignore[attr-defined]  # a TimestampSigner, typed as Signer
        return signer.sign(serializer.dump_payload(payload)).decode()
    return serializer.dumps(payload)


def fingerprint(secret: str, value: str) -> str:
    """A keyed digest of value (an e-mail address) to carry in a link instead of the value itself: a link
    says whether it still belongs to that address, without showing the address to whoever sees the link."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def read_token(secret: str, purpose: str, token: str, max_age_seconds: int, issued: bool = False):
    """Return the payload of a valid, unexpired token (LinkInvalid otherwise); with issued, return
    (payload, the time it was issued as an aware UTC datetime)."""
    serializer = URLSafeTimedSerializer(secret, salt=f"geo-registry:{purpose}")
    try:
        return serializer.loads(token, max_age=max_age_seconds, return_timestamp=issued)
    except SignatureExpired:
        raise LinkInvalid(_("Deze link is verlopen. Vraag een nieuwe aan.")) from None
    except BadSignature:
        raise LinkInvalid() from None


def _sealer(secret: str, purpose: str) -> Fernet:
    """The Fernet key of one purpose, derived from the app's secret (so one purpose's link never opens another)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"geo-registry:sealed:{purpose}".encode())
    return Fernet(base64.urlsafe_b64encode(key.derive(secret.encode())))


def make_sealed_token(secret: str, purpose: str, payload, issued_at: int | None = None) -> str:
    """Encrypt and sign payload for one purpose (issued now, or at the given Unix time): whoever sees the link
    (a mail server's log, a proxy, a shared computer's history) cannot read the names or addresses in it."""
    data = json.dumps(payload, separators=(",", ":")).encode()
    return _sealer(secret, purpose).encrypt_at_time(data, int(time.time() if issued_at is None else issued_at)).decode()


def read_sealed_token(secret: str, purpose: str, token: str, max_age_seconds: int):
    """Return the payload of a valid, unexpired sealed token (LinkInvalid otherwise)."""
    sealer, now = _sealer(secret, purpose), int(time.time())
    try:
        data = sealer.decrypt_at_time(token.encode("ascii"), max_age_seconds, now)
    except (InvalidToken, UnicodeEncodeError):
        try:  # a genuine token whose time has passed says so, as a signed link does
            sealer.decrypt_at_time(token.encode("ascii"), 10**12, now)
        except (InvalidToken, UnicodeEncodeError):
            raise LinkInvalid() from None
        raise LinkInvalid(_("Deze link is verlopen. Vraag een nieuwe aan.")) from None
    return json.loads(data)
