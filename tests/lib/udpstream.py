#!/usr/bin/python3
"""A paced UDP stream with sequence numbers, for data-path tests.

    udpstream.py send DST PORT RATE SECONDS
    udpstream.py recv PORT SECONDS OUTFILE     (writes JSON: received seqs)

The sender paces by the monotonic clock (no drift); the receiver stops
SECONDS after its start and reports what it got.
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


def recv(port, seconds, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    end = time.monotonic() + seconds
    got = []
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            b = s.recv(2048)
        except socket.timeout:
            break
        if len(b) >= 8:
            got.append(struct.unpack("!Q", b[:8])[0])
    with open(out, "w") as f:
        json.dump({"received": got}, f)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             float(sys.argv[5]))
    else:
        recv(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
