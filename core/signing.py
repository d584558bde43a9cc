"""JSON Web Tokens signed with a platform's private key (RFC 7519): RS256 for a Google
service account's token request, ES256 for App Store Connect's API."""

from __future__ import annotations

import base64
import json
from typing import Any


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _signing_input(header: dict[str, Any], claims: dict[str, Any]) -> bytes:
    return (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    ).encode()


def rs256(private_key_pem: str, claims: dict[str, Any]) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the key is not an RSA private key")
    signing_input = _signing_input({"alg": "RS256", "typ": "JWT"}, claims)
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + b64url(signature)


def es256(private_key_pem: str, claims: dict[str, Any], key_id: str) -> str:
    """ES256: the ECDSA P-256 signature as the raw 64 bytes r‖s JWS wants, not DER."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the key is not an EC private key (App Store Connect's .p8)")
    signing_input = _signing_input({"alg": "ES256", "kid": key_id, "typ": "JWT"}, claims)
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return signing_input.decode() + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def app_store_connect_token(issuer_id: str, key_id: str, private_key_pem: str, now: float) -> str:
    """A 20-minute token for App Store Connect's API (its documented claims)."""
    claims = {
        "iss": issuer_id,
        "iat": int(now),
        "exp": int(now) + 1200,
        "aud": "appstoreconnect-v1",
    }
    return es256(private_key_pem, claims, key_id)
