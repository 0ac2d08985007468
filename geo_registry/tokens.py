"""Signed, expiring links (e-mail confirmation, yearly confirmation), one salt per purpose."""
from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import GeoRegistryError
from .text import N_, _


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
        signer.get_timestamp = lambda: issued_at
        return signer.sign(serializer.dump_payload(payload)).decode()
    return serializer.dumps(payload)


def fingerprint(secret: str, value: str) -> str:
    """A keyed digest of value (an e-mail address) to carry in a link instead of the value itself: a link
    says whether it still belongs to that address, without showing the address to whoever sees the link."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def read_token(secret: str, purpose: str, token: str, max_age_seconds: int):
    """Return the payload of a valid, unexpired token (LinkInvalid otherwise)."""
    serializer = URLSafeTimedSerializer(secret, salt=f"geo-registry:{purpose}")
    try:
        return serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise LinkInvalid(_("Deze link is verlopen. Vraag een nieuwe aan.")) from None
    except BadSignature:
        raise LinkInvalid() from None
