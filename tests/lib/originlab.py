"""originlab: real origin servers for the lab; the origins test and the
origins benchmark (issue 12) share it.

  Nginx      Debian's nginx in a namespace, on a config of its own
             (nothing of /etc/nginx), answering /health with "ok" and /
             with a name;
  Hostile    origins that misbehave, for the checks that must not hold
             argod: one asyncio process (this file run as a program) per
             kind of misbehaviour, on one port;
  curl_ttfb()   curl's time to first byte from a namespace.

Python 3 standard library only; run as root.
"""

import asyncio
import os
import signal
import subprocess
import sys

NGINX_CONF = """worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections %(conns)d; }
http {
	access_log off;
	client_body_temp_path %(dir)s/body;
	proxy_temp_path %(dir)s/proxy;
	fastcgi_temp_path %(dir)s/fastcgi;
	uwsgi_temp_path %(dir)s/uwsgi;
	scgi_temp_path %(dir)s/scgi;
	server {
%(listen)s
		location = /health { return 200 "ok\\n"; }
		location / { return 200 "%(name)s\\n"; }
	}
}
"""


class Nginx:
    """nginx in a namespace, on a config of its own (nothing of
    /etc/nginx), answering / with name. listen: the addresses nginx's
    listen directive takes (default port 8080 on every address)."""

    def __init__(self, ns, d, name, listen=("8080",), conns=64):
        self.ns, self.dir, self.name, self.p = ns, d, name, None
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF % {
                "dir": d, "name": name, "conns": conns,
                "listen": "\n".join("\t\tlisten %s;" % a for a in listen)})

    def start(self):
        with open(os.path.join(self.dir, "nginx.out"), "a") as log:
            self.p = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, "nginx", "-e",
                 os.path.join(self.dir, "error.log"), "-p", self.dir, "-c",
                 os.path.join(self.dir, "nginx.conf"), "-g", "daemon off;"],
                stdout=log, stderr=log)

    def stop(self):
        if self.p is None:
            return
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p = None


def curl_ttfb(ns, url, timeout=5):
    """curl's time to first byte (s) of url from namespace ns, with a
    new connection (so TCP's handshake is in it); None when it fails."""
    r = subprocess.run(["ip", "netns", "exec", ns, "curl", "-s", "-o",
                        "/dev/null", "--max-time", str(timeout), "-w",
                        "%{time_starttransfer}", url],
                       capture_output=True, text=True, timeout=timeout + 10)
    if r.returncode != 0:
        return None
    try:
        return float(r.stdout)
    except ValueError:
        return None


# ---------------------------------------------------------------- hostile

# What a Hostile origin does once it has read a request (or, for silent,
# at once); each writes until the check hangs up.
HOSTILE_KINDS = {
    "silent": "accepts and never answers",
    "slow-headers": "sends its status line and headers one byte per 100 ms",
    "huge-headers": "sends 1 MB of headers (10000 lines of 100 bytes), "
                    "then the body",
    "trickle-body": "sends its headers at once, then a body of 1 GB one "
                    "byte per 100 ms",
}


class Hostile:
    """One misbehaving origin server in namespace ns, on port (every
    address), of one of HOSTILE_KINDS."""

    def __init__(self, ns, kind, port, log):
        if kind not in HOSTILE_KINDS:
            raise ValueError("no hostile kind %r" % kind)
        self.ns, self.kind, self.port, self.log = ns, kind, port, log
        self.p = None

    def start(self):
        with open(self.log, "a") as log:
            self.p = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, sys.executable,
                 os.path.abspath(__file__), self.kind, str(self.port)],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL)

    def stop(self):
        if self.p is None:
            return
        self.p.terminate()
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p = None


# huge-headers' answer, made once: 10000 header lines of 100 bytes.
_HUGE = b"HTTP/1.1 200 OK\r\n" + b"".join(
    b"X-Pad-%05d: %s\r\n" % (k, b"p" * 86) for k in range(10000)) + \
    b"Content-Length: 3\r\n\r\nok\n"


async def _read_request(reader):
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            asyncio.TimeoutError):
        pass


async def _dribble(writer, data, pause):
    for k in range(len(data)):
        writer.write(data[k:k + 1])
        await writer.drain()
        await asyncio.sleep(pause)


async def _serve(kind, reader, writer):
    try:
        if kind == "silent":
            await reader.read()          # until the check hangs up
            return
        await _read_request(reader)
        if kind == "slow-headers":
            await _dribble(writer, b"HTTP/1.1 200 OK\r\n" +
                           b"X-Slow: " + b"s" * 100000 + b"\r\n\r\n", 0.1)
        elif kind == "huge-headers":
            writer.write(_HUGE)
            await writer.drain()
            await reader.read()
        elif kind == "trickle-body":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000"
                         b"\r\nContent-Type: text/plain\r\n\r\n")
            await writer.drain()
            while True:
                writer.write(b"t")
                await writer.drain()
                await asyncio.sleep(0.1)
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _hostile_main(kind, port):
    srv = await asyncio.start_server(lambda r, w: _serve(kind, r, w),
                                     "0.0.0.0", port, backlog=256)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    # originlab.py KIND PORT: one Hostile origin, until SIGTERM.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    asyncio.run(_hostile_main(sys.argv[1], int(sys.argv[2])))
