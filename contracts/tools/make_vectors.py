#!/usr/bin/env python3
"""Writes contracts/vectors/ from the specification alone, independently of the Swift code:
signing vectors with Python's `cryptography` (Ed25519) and URC examples with its own GF(32) arithmetic.
Run it only when the contract changes; the Swift tests check themselves against its output."""
import base64
import hashlib
import json
import pathlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

OUT = pathlib.Path(__file__).resolve().parent.parent / "vectors"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32

# ---- URC (contracts/urc.md) ----
def gf_mul(a, b):
    p = 0
    for _ in range(5):
        if b & 1:
            p ^= a
        b >>= 1
        a <<= 1
        if a & 0x20:
            a ^= 0x25  # x^5 + x^2 + 1
    return p

def alpha_pow(k):
    r = 1
    for _ in range(k):
        r = gf_mul(r, 2)
    return r

def check_symbol(data11):
    c = 0
    for j, ch in enumerate(data11):
        c ^= gf_mul(ALPHABET.index(ch), alpha_pow(11 - j))
    return ALPHABET[c]

def urc(issuer, random9):
    s = issuer + random9
    s += check_symbol(s)
    return f"{s[0:4]}-{s[4:8]}-{s[8:12]}"

def urc_vectors():
    import random
    rng = random.Random(20261121)
    valid = []
    for issuer in ["10", "11", "12", "13", "14", "15"]:
        for _ in range(3):
            valid.append(urc(issuer, "".join(rng.choice(ALPHABET) for _ in range(9))))
    valid.append(urc("10", "000000000"))
    valid.append(urc("ZZ", "ZZZZZZZZZ"))
    base = valid[0]
    flat = base.replace("-", "")
    wrong = flat[:5] + ALPHABET[(ALPHABET.index(flat[5]) + 1) % 32] + flat[6:]
    i = next(k for k in range(11) if flat[k] != flat[k + 1])
    swapped = flat[:i] + flat[i + 1] + flat[i] + flat[i + 2:]
    fmt = lambda s: f"{s[0:4]}-{s[4:8]}-{s[8:12]}"
    invalid = [
        {"urc": fmt(wrong), "why": "one symbol changed"},
        {"urc": fmt(swapped), "why": "two neighbouring symbols swapped"},
        {"urc": fmt(flat[:11] + ALPHABET[(ALPHABET.index(flat[11]) + 1) % 32]), "why": "wrong check symbol"},
        {"urc": flat[:11], "why": "too short"},
        {"urc": flat + "0", "why": "too long"},
        {"urc": fmt(flat[:3] + "U" + flat[4:]), "why": "U is not a Crockford symbol"},
        {"urc": fmt(flat[:3] + "*" + flat[4:]), "why": "not a symbol"},
        {"urc": "", "why": "empty"},
    ]
    lenient = [
        {"input": base.lower(), "canonical": base, "why": "lower case is read as upper case"},
        {"input": flat, "canonical": base, "why": "hyphens are optional"},
        {"input": " " + base.replace("-", " ") + " ", "canonical": base, "why": "spaces are ignored"},
    ]
    # Crockford reads O as 0 and I, L as 1 (they are easily confused on the phone).
    if "0" in flat:
        k = flat.index("0")
        lenient.append({"input": fmt(flat[:k] + "O" + flat[k + 1:]), "canonical": base, "why": "O is read as 0"})
    if "1" in flat:
        k = flat.index("1")
        lenient.append({"input": fmt(flat[:k] + "l" + flat[k + 1:]), "canonical": base, "why": "l is read as 1"})
    return {"alphabet": ALPHABET, "valid": valid, "invalid": invalid, "lenient": lenient}

# ---- Signing (contracts/signing.md) ----
FIELDS = ["message-id", "type", "type-version", "sender", "recipient", "subject", "sent-at", "key-id"]

def signing_input(env, body):
    lines = ["REFGW-SIG-1"] + [f"{f}:{env[f]}" for f in FIELDS] + [f"body-sha256:{hashlib.sha256(body).hexdigest()}"]
    return ("\n".join(lines) + "\n").encode()

def signing_vectors(valid_urcs):
    seed = hashlib.sha256(b"ReferralGateway published TEST key 1 - never use for real messages").digest()
    key = Ed25519PrivateKey.from_private_bytes(seed)
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = "test-victim-2026-1"
    cases = [
        ("referral to safe home", "referral", "victim", "safehome", valid_urcs[0],
         '{"reason":"Needs a move: perpetrator knows the address","priority":"high"}'),
        ("consent withdrawn", "consent", "victim", "gateway", valid_urcs[1],
         '{"status":"withdrawn","consentId":"0b7f7a36-55d8-4a47-9a55-0f4f0d4a1c11"}'),
        ("empty body", "safety-alert", "victim", "marac", valid_urcs[2], ""),
        ("non-ASCII body", "referral", "victim", "family", valid_urcs[3],
         '{"reason":"Zoë asked for a Welsh-speaking worker – café meeting"}'),
    ]
    vectors = []
    for i, (name, typ, sender, recipient, subject, body) in enumerate(cases):
        env = {
            "message-id": f"6f1c2a7e-0c3b-4e8a-9d2f-{i:012d}",
            "type": typ, "type-version": "1", "sender": sender, "recipient": recipient,
            "subject": subject, "sent-at": f"2026-11-21T10:0{i}:00.000Z", "key-id": key_id,
        }
        b = body.encode()
        si = signing_input(env, b)
        vectors.append({
            "name": name, "headers": env, "body": body,
            "bodySha256": hashlib.sha256(b).hexdigest(),
            "signingInput": si.decode(),
            "signature": base64.b64encode(key.sign(si)).decode(),
        })
    v0 = vectors[0]
    tampered = []
    def add(name, headers=None, body=None, signature=None, public_key=None):
        tampered.append({
            "name": name, "headers": headers or v0["headers"], "body": v0["body"] if body is None else body,
            "signature": signature or v0["signature"], **({"publicKey": public_key} if public_key else {}),
        })
    add("body changed by one character", body=v0["body"].replace("high", "High"))
    add("recipient header changed", headers={**v0["headers"], "recipient": "perpetrator"})
    add("subject header changed", headers={**v0["headers"], "subject": valid_urcs[4]})
    add("sent-at header changed", headers={**v0["headers"], "sent-at": "2026-11-21T10:00:00.001Z"})
    sig = bytearray(base64.b64decode(v0["signature"])); sig[0] ^= 1
    add("signature bit flipped", signature=base64.b64encode(bytes(sig)).decode())
    other = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"another key").digest())
    add("verified with another public key", public_key=base64.b64encode(
        other.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode())
    return {
        "comment": "Published TEST key: anyone can sign with it. Never trust it outside tests.",
        "key": {"keyId": key_id, "party": "victim", "seed": seed.hex(), "publicKey": base64.b64encode(pub).decode()},
        "vectors": vectors, "tampered": tampered,
    }

if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    u = urc_vectors()
    (OUT / "urc.json").write_text(json.dumps(u, indent=2, ensure_ascii=False) + "\n")
    (OUT / "signing.json").write_text(json.dumps(signing_vectors(u["valid"]), indent=2, ensure_ascii=False) + "\n")
    print("wrote", sorted(p.name for p in OUT.iterdir()))
