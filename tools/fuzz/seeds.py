#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write seed inputs for a tunctl fuzzer: seeds.py {config|setargs|uapi} DIR"""
import os
import socket
import struct
import sys

PRIV = "uKZ7OilsoTmfYzoMX/UhOya8S5taTTKAl3ZEFOyd5l8="
PUB = "P4uC4tVsLTgOpa1pl7vbAaDCva8qRytf7l+EwKW2ZQQ="
PUB2 = "SZlASiUkFE36ZPNDXtqQ6HHoltmPkODKyNC+B+9JAjY="

CONFIGS = [
    "[Interface]\nPrivateKey = %s\nListenPort = 51820\nFwMark = 0x20\n" % PRIV,
    "[Interface]\nListenPort=1\n\n[Peer]\nPublicKey = %s\nPresharedKey = %s\n"
    "AllowedIPs = 10.0.0.0/8, fd00::/64\nEndpoint = 192.0.2.1:51820\n"
    "PersistentKeepalive = 25\n" % (PUB, PRIV),
    "# comment\n[peer]\npublickey=%s\nendpoint=[2001:db8::1]:4500\n"
    "allowedips=+10.1.0.0/16,-10.2.0.0/16\n[Peer]\nPublicKey=%s\n" % (PUB, PUB2),
    # wg-quick's keys, for the wg-quick pass of fuzz-config.
    "[Interface]\nAddress = 10.0.0.1/24, fd00::1\nDNS = 1.1.1.1, example.com\n"
    "MTU = 1420\nTable = off\nPostUp = echo %%i # c\nPreDown = true\n"
    "SaveConfig = true\nPrivateKey = %s\n[Peer]\nPublicKey = %s\n"
    "AllowedIPs = 0.0.0.0/0\n" % (PRIV, PUB),
    # The peer flags: Description (free text, comment cut) and Disabled.
    "[Peer]\nPublicKey = %s\nDescription =  caf\u00e9 \u2013 2nd  # c\n"
    "Disabled = true\n[Peer]\nPublicKey = %s\nDisabled = False\n" % (PUB, PUB2),
    # The device's switch of unknown-peer events.
    "[Interface]\nUnknownPeerEvents = on\nListenPort = 1\n",
]

WORDS = [
    ["listen-port", "51820", "fwmark", "off", "private-key", "f"],
    ["peer", PUB, "remove", "peer", PUB2, "endpoint", "192.0.2.1:1",
     "persistent-keepalive", "25", "allowed-ips", "10.0.0.1/32, fd00::1"],
    ["peer", PUB, "preshared-key", "f", "allowed-ips", "+10.9.0.0/16,-::/0"],
    ["peer", PUB, "disable", "description", "office \u00e9", "peer", PUB2,
     "enable", "description", ""],
]


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def nest(kind, *parts):
    return attr(kind | 0x8000, b"".join(parts))


def key(text):
    import base64
    return base64.b64decode(text)


def message(*attrs, flags=0, cmd=1):
    body = struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), 0x20, flags, 1, 0) + body


def sockaddr_in(addr, port):
    return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + \
        socket.inet_aton(addr) + b"\0" * 8


def allowedip(family, addr, cidr):
    raw = socket.inet_pton(family, addr)
    return nest(0, attr(1, struct.pack("=H", family)), attr(2, raw),
                attr(3, struct.pack("=B", cidr)))


def uapi_seeds():
    peer1 = nest(0, attr(1, key(PUB)), attr(2, key(PRIV)),
                 attr(4, sockaddr_in("192.0.2.1", 51820)),
                 attr(5, struct.pack("=H", 25)),
                 attr(6, struct.pack("=qq", 1700000000, 5)),
                 attr(7, struct.pack("=Q", 1372)), attr(8, struct.pack("=Q", 1428)),
                 nest(9, allowedip(socket.AF_INET, "10.0.0.0", 8),
                      allowedip(socket.AF_INET6, "fd00::", 64)),
                 attr(10, struct.pack("=I", 1)),
                 attr(11, struct.pack("=Q", 10)), attr(12, struct.pack("=Q", 11)),
                 attr(13, struct.pack("=Q", 2)),
                 nest(14, attr(14, struct.pack("=Q", 3))),
                 attr(15, struct.pack("=B", 1)), attr(16, b"office\0"))
    first = message(attr(1, struct.pack("=I", 5)), attr(2, b"nt0\0"),
                    attr(3, key(PRIV)), attr(4, key(PUB2)),
                    attr(6, struct.pack("=H", 51820)), attr(7, struct.pack("=I", 0x20)),
                    nest(9, attr(2, struct.pack("=Q", 7))),
                    nest(8, peer1), flags=2)
    # The same peer continued in a second message, with one more range.
    cont = message(nest(8, nest(0, attr(1, key(PUB)),
                                nest(9, allowedip(socket.AF_INET, "192.0.2.7", 32)))),
                   flags=2)
    done = struct.pack("=IHHIIi", 20, 3, 2, 1, 0, 0)
    # Events (noisetun.h: commands 3 to 10), as the events group delivers them.
    ids = [attr(1, struct.pack("=I", 5)), attr(2, b"nt0\0")]
    handshake = message(*ids, attr(3, key(PUB)),
                        attr(5, sockaddr_in("192.0.2.1", 51820)),
                        attr(6, struct.pack("=I", 1)),
                        attr(7, struct.pack("=Q", 1234567)), cmd=3)
    changed = message(*ids, attr(3, key(PUB2)), attr(9, struct.pack("=I", 15)),
                      attr(10, struct.pack("=Q", 2)), cmd=8)
    device_key = message(*ids, attr(4, key(PUB)), cmd=9)
    given_up = message(*ids, attr(3, key(PUB)), attr(8, struct.pack("=I", 20)),
                       cmd=4)
    return [first, first + cont, first + cont + done,
            handshake + changed + device_key + given_up]


def main():
    kind, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if kind == "config":
        seeds = [c.encode() for c in CONFIGS]
    elif kind == "setargs":
        seeds = ["\n".join(w).encode() for w in WORDS]
    elif kind == "uapi":
        seeds = uapi_seeds()
    else:
        sys.exit("unknown fuzzer " + kind)
    for i, seed in enumerate(seeds):
        with open(os.path.join(out, "seed-%d" % i), "wb") as f:
            f.write(seed)


if __name__ == "__main__":
    main()
