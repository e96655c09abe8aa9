#!/usr/bin/env python3
"""TLS bulk throughput: polysock against CPython's ssl on the same OpenSSL (issue 17, point 6).

    bench/tls_bulk.py connect ...   CPython's side of bench/tls_bulk.cpp's connect
                                    (same options, same JSON line)
    bench/tls_bulk.py once --exe BUILD/bench/tls_bulk --impl polysock|python --role R
                      [--plain] [--bytes N] [--wrap "strace -f -c -o F"]
                                    one measured run, its side under --wrap's command
                                    (strace, valgrind --tool=callgrind), not pinned
    bench/tls_bulk.py run --exe BUILD/bench/tls_bulk [--bytes N] [--rounds R]
                                    the driver: makes a CA and a server certificate with
                                    `openssl` in a temporary directory, then each round
                                    runs every variant once, in an order that alternates
                                    between rounds, and prints a Markdown table of every
                                    run, the medians and the per-round ratios.

A variant is one measured side (the client, pinned to CPU 0) against a fixed peer
(tls_bulk serve on polysock, pinned to CPU 1): the measured side sends (source) or
receives (sink) N bytes in 64 KiB calls in blocking mode, over TLS or plain TCP.
The peer is the same program for polysock's and Python's runs, so the pair differs
only in the measured side. Throughput is N / wall seconds; cpu is the measured
process's user+system time over the same window (from after the handshake to the
last byte, or to the peer's one-byte answer for a sender).
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

CHUNK = 65536


def connect(a):
    raw = socket.create_connection(("127.0.0.1", a.port))
    version = cipher = ""
    if a.plain:
        s = raw
    else:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=a.ca)
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        version, cipher = s.version(), s.cipher()[0]
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    w0, c0 = time.perf_counter(), time.process_time()
    if a.role == "source":
        data = bytes(b"x" * CHUNK)
        done = 0
        while done < a.bytes:
            k = min(CHUNK, a.bytes - done)
            s.sendall(data if k == CHUNK else data[:k])
            done += k
        if s.recv(1) != b"k":
            raise SystemExit("no answer")
    else:
        done = 0
        while done < a.bytes:
            n = s.recv_into(view, min(CHUNK, a.bytes - done))
            if n == 0:
                raise SystemExit("early end of stream")
            done += n
    w1, c1 = time.perf_counter(), time.process_time()
    if a.role == "sink":
        s.sendall(b"k")
    s.close()
    print(json.dumps({"impl": "python", "bytes": a.bytes, "seconds": w1 - w0, "cpu": c1 - c0,
                      "version": version, "cipher": cipher}))


def make_certs(d):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-days", "2", "-subj", "/CN=bench CA")
    run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", d + "/server.key", "-out", d + "/server.csr", "-subj", "/CN=localhost")
    with open(d + "/server.ext", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", d + "/server.ext", "-out", d + "/server.pem")


def pinned(cpu):
    return lambda: os.sched_setaffinity(0, {cpu})


def one(a, d, impl, role, plain, wrap=()):
    """One measured transfer; returns the measured side's JSON."""
    peer_role = "sink" if role == "source" else "source"
    server = subprocess.Popen(
        [a.exe, "serve", "--role", peer_role, "--cert", d + "/server.pem", "--key",
         d + "/server.key", "--bytes", str(a.bytes)] + (["--plain"] if plain else []),
        stdout=subprocess.PIPE, text=True, preexec_fn=pinned(1))
    try:
        line = server.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit("tls_bulk serve did not start")
        port = line.split()[1]
        cmd = list(wrap)
        cmd += [a.exe] if impl == "polysock" else [sys.executable, os.path.abspath(__file__)]
        cmd += ["connect", "--role", role, "--ca", d + "/ca.pem", "--port", port,
                "--bytes", str(a.bytes)] + (["--plain"] if plain else [])
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=600,
                             preexec_fn=None if wrap else pinned(0))
        if out.returncode != 0:
            raise SystemExit("measured side failed")
        server.wait(timeout=60)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


VARIANTS = [  # (name, impl, role, plain)
    ("polysock TLS send", "polysock", "source", False),
    ("Python ssl send", "python", "source", False),
    ("polysock TCP send", "polysock", "source", True),
    ("polysock TLS recv", "polysock", "sink", False),
    ("Python ssl recv", "python", "sink", False),
    ("polysock TCP recv", "polysock", "sink", True),
]


def once(a):
    d = tempfile.mkdtemp(prefix="polysock-tls-bench-")
    try:
        make_certs(d)
        print(json.dumps(one(a, d, a.impl, a.role, a.plain, shlex.split(a.wrap or ""))))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def run(a):
    d = tempfile.mkdtemp(prefix="polysock-tls-bench-")
    try:
        make_certs(d)
        rows = []  # (round, name, MiB/s, cpu ns/byte*1e3, version, cipher)
        results = {}
        for r in range(1, a.rounds + 1):
            # Alternate: odd rounds as listed, even rounds in pairs swapped, so that
            # neither side of a pair always runs first.
            order = list(VARIANTS)
            if r % 2 == 0:
                order = [order[1], order[0], order[2], order[4], order[3], order[5]]
            for name, impl, role, plain in order:
                j = one(a, d, impl, role, plain)
                mibs = j["bytes"] / j["seconds"] / (1 << 20)
                cpu_ns = j["cpu"] / j["bytes"] * 1e9 * 1024  # ns per KiB
                rows.append((r, name, mibs, cpu_ns, j["version"], j["cipher"]))
                results.setdefault(name, []).append((mibs, cpu_ns))
        report(a, rows, results)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def report(a, rows, results):
    print("polysock TLS bulk throughput, %d MiB per run, %d rounds, 64 KiB calls, blocking mode"
          % (a.bytes >> 20, a.rounds))
    print("%s, %s, %d CPUs, Linux %s" % (ssl.OPENSSL_VERSION, platform.python_implementation()
                                         + " " + platform.python_version(),
                                         os.cpu_count(), platform.release()))
    print()
    print("| round | variant | MiB/s | CPU ns/KiB | version | cipher |")
    print("|---|---|---|---|---|---|")
    for r, name, mibs, cpu, v, c in rows:
        print("| %d | %s | %.0f | %.0f | %s | %s |" % (r, name, mibs, cpu, v or "-", c or "-"))
    print()
    print("| variant | median MiB/s | median CPU ns/KiB |")
    print("|---|---|---|")
    for name, _, _, _ in VARIANTS:
        xs = results[name]
        print("| %s | %.0f | %.0f |" % (name, statistics.median(x[0] for x in xs),
                                         statistics.median(x[1] for x in xs)))
    print()
    print("| ratio (per round, then median) | throughput | CPU per byte |")
    print("|---|---|---|")
    for num, den in (("polysock TLS send", "Python ssl send"), ("polysock TLS recv", "Python ssl recv"),
                     ("polysock TLS send", "polysock TCP send"),
                     ("polysock TLS recv", "polysock TCP recv")):
        t = statistics.median(x[0] / y[0] for x, y in zip(results[num], results[den]))
        c = statistics.median(x[1] / y[1] for x, y in zip(results[num], results[den]))
        print("| %s / %s | %.2fx | %.2fx |" % (num, den, t, c))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["connect", "once", "run"])
    p.add_argument("--impl", choices=["polysock", "python"], default="polysock")
    p.add_argument("--wrap", help="once: a command to run the measured side under")
    p.add_argument("--role", choices=["source", "sink"])
    p.add_argument("--plain", action="store_true")
    p.add_argument("--ca")
    p.add_argument("--port", type=int)
    p.add_argument("--bytes", type=int, default=1 << 30)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--exe", help="the tls_bulk program (run)")
    a = p.parse_args()
    if a.cmd == "connect":
        connect(a)
    else:
        if not a.exe:
            p.error(a.cmd + " needs --exe")
        if a.cmd == "once":
            if not a.role:
                p.error("once needs --role")
            once(a)
        else:
            run(a)


if __name__ == "__main__":
    main()
