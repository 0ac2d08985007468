"""The second factor of local staff accounts: a TOTP code (RFC 6238, pyotp; 30-second steps) or one of ten
single-use recovery codes. The TOTP secret is stored encrypted (Fernet, with a key derived from the app's secret
key), the recovery codes hashed, so that a database dump alone gives neither away (decision 0018). A code counts
once: the last step used is stored, and a code of that step or an earlier one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from geo_registry.core.text import N_
from geo_registry.domain.staff import _account, _next_session, audit
from geo_registry.store.tables import staff, staff_recovery_codes

STEP_SECONDS = 30
# A code of the step before or after this one is accepted too: a phone's clock is off by some seconds, and typing
# takes a while.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# Recovery codes: 12 characters of this alphabet (no 0/O, 1/I/L), about 58 bits: too many to try, even unsalted.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _fernet(key: str) -> Fernet:
    """The Fernet key for TOTP secrets, derived from the app's secret key for this purpose alone."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"geo-registry:totp-secret").derive(
        key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _seal(key: str, secret: str) -> str:
    return _fernet(key).encrypt(secret.encode()).decode()


def _open(key: str, sealed: str) -> str | None:
    try:
        return _fernet(key).decrypt(sealed.encode()).decode()
    except InvalidToken:  # the secret key changed: the secret is lost, and the account must enrol again
        return None


def _row(conn: sa.Connection, staff_id: int) -> dict | None:
    row = (
        conn.execute(
            sa.select(
                staff.c.id,
                staff.c.username,
                staff.c.password_hash,
                staff.c.totp_secret,
                staff.c.totp_enrolled_at,
                staff.c.totp_last_step,
            ).where(staff.c.id == staff_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def is_local(account: dict) -> bool:
    """True for an account that signs in here with a password (and so a TOTP second factor); an account of the
    municipality's identity provider has no password here, and its provider asks for the second factor."""
    return bool(account.get("password_hash"))


def is_enrolled(engine: sa.Engine, staff_id: int) -> bool:
    """True once the account has confirmed a second factor with a code."""
    with engine.connect() as conn:
        row = _row(conn, staff_id)
    return row is not None and row["totp_enrolled_at"] is not None


def needs_enrolment(engine: sa.Engine, staff_id: int) -> bool:
    """True for a local account without a confirmed second factor: it may do nothing before it enrols."""
    with engine.connect() as conn:
        row = _row(conn, staff_id)
    return row is not None and is_local(row) and row["totp_enrolled_at"] is None


def enrolment_secret(engine: sa.Engine, key: str, staff_id: int) -> str:
    """The secret an account is enrolling with: the one made before when it is still unconfirmed (a page reloaded
    shows the same QR code), else a new one. Refused (ValueError) once enrolled: a reset comes first."""
    with engine.begin() as conn:
        row = _row(conn, staff_id)
        if row is None or row["totp_enrolled_at"] is not None:
            raise ValueError("already enrolled")
        secret = _open(key, row["totp_secret"]) if row["totp_secret"] else None
        if secret is None:
            secret = pyotp.random_base32()
            conn.execute(staff.update().where(staff.c.id == staff_id).values(totp_secret=_seal(key, secret)))
    return secret


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose TOTP code this is (this step or one beside it), or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _use_step(conn: sa.Connection, staff_id: int, step: int) -> bool:
    """Record step as used unless it (or a later one) was: True when this use is the first. One UPDATE, so two
    requests with the same code at once cannot both succeed."""
    used = staff.c.totp_last_step
    return (
        conn.execute(
            staff.update()
            .where(staff.c.id == staff_id, sa.or_(used.is_(None), used < step))
            .values(totp_last_step=step)
        ).rowcount
        == 1
    )


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normal_code(code: str) -> str:
    """A recovery code as stored: capitals, without the spaces and hyphens it is written with."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_recovery_code() -> str:
    """A random recovery code, written in three groups of four (e.g. 'K7PM-2XQD-9RTB')."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def confirm_enrolment(engine: sa.Engine, key: str, staff_id: int, code: str, now: datetime) -> list[str]:
    """Confirm the enrolling secret with a code from the app; return the new recovery codes (shown once, stored
    hashed). Raise ValueError when the code is not the secret's current one."""
    with engine.begin() as conn:
        row = _row(conn, staff_id)
        if row is None or row["totp_enrolled_at"] is not None or not row["totp_secret"]:
            raise ValueError("nothing to confirm")
        secret = _open(key, row["totp_secret"])
        step = None if secret is None else _matching_step(secret, code, now)
        if step is None or not _use_step(conn, staff_id, step):
            raise ValueError("wrong code")
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        conn.execute(staff_recovery_codes.delete().where(staff_recovery_codes.c.staff_id == staff_id))
        conn.execute(
            staff_recovery_codes.insert(),
            [{"staff_id": staff_id, "code_hash": _hash_code(_normal_code(c))} for c in codes],
        )
        conn.execute(staff.update().where(staff.c.id == staff_id).values(totp_enrolled_at=now))
        audit(conn, row["username"], N_("tweede factor ingesteld"), detail=row["username"])
    return codes


def verify(engine: sa.Engine, key: str, staff_id: int, code: str, now: datetime) -> bool:
    """True when code is the account's TOTP code, not used before, or one of its unused recovery codes (which is
    then used up)."""
    with engine.begin() as conn:
        row = _row(conn, staff_id)
        if row is None or row["totp_enrolled_at"] is None:
            return False
        secret = _open(key, row["totp_secret"] or "")
        step = None if secret is None else _matching_step(secret, code or "", now)
        if step is not None:
            return _use_step(conn, staff_id, step)
        normal = _normal_code(code)
        if len(normal) != 12:
            return False
        codes = staff_recovery_codes.c
        used = conn.execute(
            staff_recovery_codes.update()
            .where(codes.staff_id == staff_id, codes.code_hash == _hash_code(normal), codes.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if used == 1:
            audit(conn, row["username"], N_("herstelcode gebruikt"), detail=row["username"])
        return used == 1


def recovery_codes_left(engine: sa.Engine, staff_id: int) -> int:
    """How many of the account's recovery codes are still unused."""
    codes = staff_recovery_codes.c
    with engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).where(codes.staff_id == staff_id, codes.used_at.is_(None))
        ).scalar_one()


def reset_second_factor(engine: sa.Engine, username: str, actor: str) -> str:
    """Remove an account's second factor and recovery codes and end its sessions: at its next login it enrols a
    new one (for a lost phone). Return the stored username; UnknownStaff when there is no such account."""
    with engine.begin() as conn:
        account = _account(conn, username)
        conn.execute(_next_session(account["id"]).values(totp_secret=None, totp_enrolled_at=None, totp_last_step=None))
        conn.execute(staff_recovery_codes.delete().where(staff_recovery_codes.c.staff_id == account["id"]))
        audit(conn, actor, N_("tweede factor gewist"), detail=account["username"])
    return account["username"]
