#!/usr/bin/python3
"""A paced UDP stream with sequence numbers, for data-path tests.

    udpstream.py send DST PORT RATE SECONDS
    udpstream.py recv PORT SECONDS OUTFILE     (writes JSON: received seqs)

The sender paces by the monotonic clock (no drift); the receiver stops
SECONDS after its start, or later while packets still come, and reports
what it got and what its socket dropped.
"""
import json
import socket
import struct
import sys
import time


def send(dst, port, rate, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = int(rate * seconds)
    t0 = time.monotonic()
    for seq in range(n):
        t = t0 + seq / rate
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
        s.sendto(struct.pack("!Q", seq) + b"x" * 56, (dst, port))
    print(json.dumps({"sent": n}))


SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)


def recv(port, seconds, out):
    """Receives for SECONDS, and on past them while packets keep coming
    (a sender slow to start on a loaded machine ends late): stops after
    1 s without one. Reports the sequence numbers and the datagrams the
    socket itself dropped (its buffer full: the host's loss, not the
    path's)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    end = time.monotonic() + seconds
    got = []
    ovfl = 0
    while True:
        left = end - time.monotonic()
        s.settimeout(left if left > 1 else 1)
        try:
            b, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(4))
        except socket.timeout:
            if time.monotonic() >= end:
                break
            continue
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL and \
                    len(data) >= 4:
                ovfl = struct.unpack("=I", data[:4])[0]
        if len(b) >= 8:
            got.append(struct.unpack("!Q", b[:8])[0])
    with open(out, "w") as f:
        json.dump({"received": got, "socket_dropped": ovfl}, f)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             float(sys.argv[5]))
    else:
        recv(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
