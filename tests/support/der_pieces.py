#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Cuts the pieces an independent verifier (Botan) needs out of GOST DER structures, so the CLI
# tests and the demo share one parser:
#   der_pieces.py spki PEM [DIR]  -> pub.hex (X||Y little-endian), oid.txt (parameter-set OID)
#   der_pieces.py cert PEM [DIR]  -> tbs.der, sig.hex (the signature BIT STRING's octets)
#   der_pieces.py cms DER [DIR]   -> sattrs.der (signedAttrs re-tagged as SET), cmssig.hex,
#                                    sigalg.txt, mdattr.hex (messageDigest attribute, if present)
import base64
import os
import re
import sys


def tlv(b, i):
    """(tag, start of TLV, content start, content end) of the TLV at offset i."""
    tag = b[i]
    length = b[i + 1]
    j = i + 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(b[j:j + n], "big")
        j += n
    return tag, i, j, j + length


def children(b, start, end):
    out = []
    i = start
    while i < end:
        t = tlv(b, i)
        out.append(t)
        i = t[3]
    return out


def oid(b):
    out = [b[0] // 40, b[0] % 40]
    v = 0
    for x in b[1:]:
        v = (v << 7) | (x & 0x7F)
        if not x & 0x80:
            out.append(v)
            v = 0
    return ".".join(map(str, out))


def pem_der(path, label):
    text = open(path).read()
    body = re.findall(r"-----BEGIN " + label + r"-----(.*?)-----END", text, re.S)[0]
    return base64.b64decode("".join(body.split()))


def spki(path, out):
    der = pem_der(path, "PUBLIC KEY")
    _, _, c0, _ = tlv(der, 0)
    _, _, a0, a1 = tlv(der, c0)      # AlgorithmIdentifier
    _, _, _, o1 = tlv(der, a0)       # key OID
    _, _, p0, _ = tlv(der, o1)       # parameters SEQUENCE
    _, _, q0, q1 = tlv(der, p0)      # parameter-set OID
    open(os.path.join(out, "oid.txt"), "w").write(oid(der[q0:q1]))
    _, _, b0, _ = tlv(der, a1)       # BIT STRING
    _, _, x0, x1 = tlv(der, b0 + 1)  # OCTET STRING inside
    open(os.path.join(out, "pub.hex"), "w").write(der[x0:x1].hex())


def cert(path, out):
    der = pem_der(path, "CERTIFICATE")
    _, _, c0, _ = tlv(der, 0)
    _, _, _, tbs_end = tlv(der, c0)
    open(os.path.join(out, "tbs.der"), "wb").write(der[c0:tbs_end])
    _, _, _, alg_end = tlv(der, tbs_end)      # signatureAlgorithm
    _, _, s0, s1 = tlv(der, alg_end)          # signatureValue BIT STRING
    open(os.path.join(out, "sig.hex"), "w").write(der[s0 + 1:s1].hex())


def cms(path, out):
    der = open(path, "rb").read()
    _, _, c, e = tlv(der, 0)                                    # ContentInfo
    explicit = children(der, c, e)[1]
    _, _, c, e = tlv(der, explicit[2])                          # SignedData
    signer_infos = children(der, c, e)[-1]
    si = children(der, signer_infos[2], signer_infos[3])[0]
    parts = children(der, si[2], si[3])
    attrs = next(p for p in parts if p[0] == 0xA0)
    sig = next(p for p in parts if p[0] == 0x04)
    sigalg = parts[parts.index(sig) - 1]
    alg_oid = children(der, sigalg[2], sigalg[3])[0]
    open(os.path.join(out, "sattrs.der"), "wb").write(b"\x31" + der[attrs[1] + 1:attrs[3]])
    open(os.path.join(out, "cmssig.hex"), "w").write(der[sig[2]:sig[3]].hex())
    open(os.path.join(out, "sigalg.txt"), "w").write(oid(der[alg_oid[2]:alg_oid[3]]))
    md_oid = bytes.fromhex("06092a864886f70d010904")
    for a in children(der, attrs[2], attrs[3]):
        if der[a[2]:a[3]].startswith(md_oid):
            _, _, vs, _ = tlv(der, a[2] + len(md_oid))
            _, _, os0, os1 = tlv(der, vs)
            open(os.path.join(out, "mdattr.hex"), "w").write(der[os0:os1].hex())


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("spki", "cert", "cms"):
        sys.exit("usage: der_pieces.py spki|cert|cms FILE [DIR]")
    {"spki": spki, "cert": cert, "cms": cms}[sys.argv[1]](
        sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else ".")
