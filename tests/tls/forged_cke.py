#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A minimal TLS 1.2 client that offers one GOST suite, reads the server's flight up to
# ServerHelloDone and answers with a ClientKeyExchange of the caller's choosing (a forged or
# malformed key transport), then expects a fatal alert (tests/tls/tls_interop_test.sh, bad_cke).
#   forged_cke.py PORT SUITE_HEX CKE_BODY_FILE
# Prints the alert description number; exit 0 on a fatal alert, 1 otherwise.
import os
import socket
import struct
import sys


def record(ctype, payload):
    return struct.pack("!BHH", ctype, 0x0303, len(payload)) + payload


def handshake(htype, body):
    return struct.pack("!B", htype) + len(body).to_bytes(3, "big") + body


def client_hello(suite):
    sigalgs = b"\xee\xee\xef\xef\xed\xed"  # GOST 34.10-2012 256 / 512, 2001 (TLS 1.2 code points)
    ext = struct.pack("!HHH", 13, len(sigalgs) + 2, len(sigalgs)) + sigalgs
    body = (b"\x03\x03" + os.urandom(32) + b"\x00" + struct.pack("!H", 4) + suite + b"\x00\xff"
            + b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
    return record(22, handshake(1, body))


def read_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError("connection closed")
        out += chunk
    return out


def read_record(s):
    ctype, _, length = struct.unpack("!BHH", read_exact(s, 5))
    return ctype, read_exact(s, length)


def main():
    port, suite, cke_file = int(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3]
    cke = open(cke_file, "rb").read()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(client_hello(suite))
    hs = b""
    done = False
    while not done:
        ctype, payload = read_record(s)
        if ctype == 21:
            print("alert before ServerHelloDone:", payload.hex())
            return 1
        if ctype != 22:
            continue
        hs += payload
        while len(hs) >= 4:
            htype, hlen = hs[0], int.from_bytes(hs[1:4], "big")
            if len(hs) < 4 + hlen:
                break
            if htype == 2 and hs[4 + 34 + 1 + hs[4 + 34]:][:2] != suite:
                print("server chose another suite")
                return 1
            hs = hs[4 + hlen:]
            if htype == 14:  # ServerHelloDone
                done = True
    s.sendall(record(22, handshake(16, cke)))
    try:
        while True:
            ctype, payload = read_record(s)
            if ctype == 21 and len(payload) >= 2:
                print(payload[1])
                return 0 if payload[0] == 2 else 1
    except (EOFError, ConnectionResetError, socket.timeout):
        print("no alert: connection closed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
