#!/usr/bin/env python3
"""A TLS peer that polysock did not write: CPython's ssl module, for tests/test_tls_interop.cpp.

One process is one role (server or client) running one scenario (--mode) on one
connection per --count. Everything it has to report goes to stdout as one line
per fact: "PORT n" first (server), then "INFO {json}" after each handshake and
"RESULT {json}" when the scenario ends, so that the C++ test reads lines and never
guesses. Handshake failures are reported ("RESULT" with "error") and the server
goes on to its next connection. Only 127.0.0.1 is used; every wait is bounded by
--timeout (the socket timeout) and the process by --deadline.

The byte pattern is byte i = i % 251 (the C++ side computes the same): a prime
period, so a record lost, doubled or reordered shows.
"""
import argparse
import json
import signal
import socket
import ssl
import sys
import threading
import time

PERIOD = 251
_BIG = bytes(i % PERIOD for i in range(PERIOD)) * (262144 // PERIOD + 2)


def pattern(offset, n):
    """n bytes of the pattern starting at offset (n <= 256 KiB)."""
    start = offset % PERIOD
    return _BIG[start:start + n]


def out(kind, value=None):
    line = kind if value is None else kind + " " + json.dumps(value, sort_keys=True)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def strip_ssl_c(msg):
    """Python's message without the " (_ssl.c:NNN)" suffix, as polysock words it."""
    i = msg.rfind(" (_ssl.c:")
    return msg[:i] if i >= 0 and msg.endswith(")") else msg


def error_dict(e):
    d = {"error": strip_ssl_c(str(e)), "type": type(e).__name__}
    for attr in ("library", "reason", "verify_code", "verify_message"):
        v = getattr(e, attr, None)
        if v is not None:
            d[attr] = v
    if isinstance(e, ssl.SSLError):
        d["errno"] = e.errno
    return d


VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def make_context(a, server):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    if a.ca:
        ctx.load_verify_locations(a.ca)
    if server:
        ctx.verify_mode = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL,
                           "required": ssl.CERT_REQUIRED}[a.verify]
    elif a.verify == "none":
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if a.min:
        ctx.minimum_version = VERSIONS[a.min]
    if a.max:
        ctx.maximum_version = VERSIONS[a.max]
    if a.alpn:
        ctx.set_alpn_protocols(a.alpn.split(","))
    return ctx


def info(s):
    d = {"version": s.version(), "alpn": s.selected_alpn_protocol(), "cipher": s.cipher()[0]}
    cert = s.getpeercert()
    if cert:
        d["peercert"] = cert
    return d


def read_until_eof(s, limit):
    """Reads until b'' or an error; returns (bytes read, first bad offset or -1, how it ended)."""
    got, bad = 0, -1
    while True:
        try:
            chunk = s.recv(262144)
        except ssl.SSLError as e:
            return got, bad, error_dict(e)
        except OSError as e:
            return got, bad, {"error": str(e), "type": type(e).__name__}
        if not chunk:
            return got, bad, "eof"
        if bad < 0 and chunk != pattern(got, len(chunk)):
            for j, b in enumerate(chunk):
                if b != (got + j) % PERIOD:
                    bad = got + j
                    break
        got += len(chunk)
        if got > limit:
            return got, bad, "too much"


def send_pattern(s, n):
    sent = 0
    while sent < n:
        k = min(65536, n - sent)
        s.sendall(pattern(sent, k))
        sent += k


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def scenario(a, s, raw):
    """Runs a.mode on the TLS socket s (raw: the TCP socket under it); returns a dict."""
    if a.mode == "sink":
        # Reads the pattern until the peer's close_notify (b'') or EOF, then answers
        # with its own close_notify if --unwrap (so the peer's recv sees 0 bytes).
        got, bad, end = read_until_eof(s, a.bytes)
        r = {"received": got, "bad_offset": bad, "end": end}
        if a.unwrap and end == "eof":
            try:
                s.unwrap()
                r["unwrapped"] = True
            except (OSError, ssl.SSLError) as e:
                r["unwrap_error"] = str(e)
        return r
    if a.mode == "source":
        send_pattern(s, a.bytes)
        r = {"sent": a.bytes}
        if a.unwrap:
            # close_notify, then wait for the peer's: unwrap() returns once it came.
            s.unwrap()
            r["unwrapped"] = True
        return r
    if a.mode == "echo":
        n = 0
        while True:
            try:
                chunk = s.recv(65536)
            except ssl.SSLError as e:
                return {"echoed": n, "end": error_dict(e)}
            if not chunk:
                break
            s.sendall(chunk)
            n += len(chunk)
        r = {"echoed": n, "end": "eof"}
        if a.unwrap:
            s.unwrap()
            r["unwrapped"] = True
        return r
    if a.mode == "unwrap":
        # TLS "tls ping"/"tls pong", both sides unwrap, then plain "plain ping"/"plain pong".
        r = {}
        if a.role == "server":
            r["tls"] = read_exact(s, 8).decode()
            s.sendall(b"tls pong")
        else:
            s.sendall(b"tls ping")
            r["tls"] = read_exact(s, 8).decode()
        plain = s.unwrap()
        if a.role == "server":
            r["plain"] = read_exact(plain, 10).decode()
            plain.sendall(b"plain pong")
        else:
            plain.sendall(b"plain ping")
            r["plain"] = read_exact(plain, 10).decode()
        if a.role == "server":
            r["after"] = read_exact(plain, 1).decode()  # "" at the peer's FIN
        plain.close()
        return r
    if a.mode == "burst":
        # --records records of --bytes bytes each, written into one TCP segment train
        # before the peer reads any: the peer then holds some in OpenSSL, not the kernel.
        for i in range(a.records):
            s.sendall(pattern(i * a.bytes, a.bytes))
        out("SENT")
        got, bad, end = read_until_eof(s, 1 << 20)
        return {"received_after": got, "end": end}
    if a.mode == "wait":
        # Holds the connection (reading) until the peer goes away or --timeout.
        got, bad, end = read_until_eof(s, 1 << 30)
        return {"received": got, "end": end}
    if a.mode == "close":
        # Handshake, then a plain close: no close_notify (Python's close() sends none).
        return {"closed": True}
    if a.mode == "halfrecord":
        raise AssertionError("halfrecord runs over an SSLObject")
    raise SystemExit("unknown mode " + a.mode)


def half_record(a, raw, server):
    """A handshake over memory BIOs on raw, then the first half of one record, then EOF."""
    ctx = make_context(a, server)
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_side=server,
                       server_hostname=None if server else a.hostname)

    def flush():
        data = outg.read()
        if data:
            raw.sendall(data)

    while True:
        try:
            obj.do_handshake()
            flush()
            break
        except ssl.SSLWantReadError:
            flush()
            data = raw.recv(65536)
            if not data:
                return {"error": "EOF during handshake"}
            inc.write(data)
    obj.write(pattern(0, 1000))
    record = outg.read()
    raw.sendall(record[: len(record) // 2])
    raw.shutdown(socket.SHUT_WR)
    rest = raw.recv(65536)  # the peer's reaction (its close), bounded by --timeout
    raw.close()
    return {"record_len": len(record), "sent": len(record) // 2, "peer_sent": len(rest)}


def serve(a):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", a.port))
    lsock.listen(8)
    lsock.settimeout(a.timeout)
    out("PORT %d" % lsock.getsockname()[1])
    ctx = make_context(a, True)
    for _ in range(a.count):
        try:
            raw, _addr = lsock.accept()
        except socket.timeout:
            out("RESULT", {"error": "accept timed out"})
            return
        raw.settimeout(a.timeout)
        time.sleep(a.delay)
        try:
            if a.mode == "halfrecord":
                out("RESULT", half_record(a, raw, True))
                continue
            try:
                s = ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=not a.ragged_error)
            except (ssl.SSLError, OSError) as e:
                out("RESULT", error_dict(e))
                raw.close()
                continue
            out("INFO", info(s))
            r = scenario(a, s, raw)
            out("RESULT", r)
            s.close()
        except (ssl.SSLError, OSError) as e:
            out("RESULT", error_dict(e))
            raw.close()


def connect(a):
    raw = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
    time.sleep(a.delay)
    if a.mode == "halfrecord":
        out("RESULT", half_record(a, raw, False))
        return
    ctx = make_context(a, False)
    try:
        s = ctx.wrap_socket(raw, server_hostname=a.hostname, suppress_ragged_eofs=not a.ragged_error)
    except (ssl.SSLError, OSError) as e:
        out("RESULT", error_dict(e))
        return
    out("INFO", info(s))
    try:
        out("RESULT", scenario(a, s, raw))
    except (ssl.SSLError, OSError) as e:
        out("RESULT", error_dict(e))
    s.close()


def certdict(a):
    """getpeercert() of --cert as a client sees it: a server and a client in this process."""
    a2 = argparse.Namespace(**vars(a))
    sctx = make_context(a, True)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(a.timeout)

    def server():
        c, _ = lsock.accept()
        c.settimeout(a.timeout)
        try:
            with sctx.wrap_socket(c, server_side=True) as s:
                s.recv(1)
        except (ssl.SSLError, OSError):
            pass

    t = threading.Thread(target=server)
    t.start()
    a2.cert = a2.key = None
    cctx = make_context(a2, False)
    with cctx.wrap_socket(socket.create_connection(lsock.getsockname(), timeout=a.timeout),
                          server_hostname=a.hostname) as s:
        out("CERT", {"dict": s.getpeercert(), "der": s.getpeercert(True).hex()})
    t.join(a.timeout)
    lsock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["server", "client", "certdict"])
    p.add_argument("--mode", default="echo")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ca")
    p.add_argument("--hostname", default="localhost")
    p.add_argument("--verify", choices=["none", "optional", "required"],
                   help="default: required for a client, none for a server")
    p.add_argument("--min")
    p.add_argument("--max")
    p.add_argument("--alpn")
    p.add_argument("--bytes", type=int, default=0)
    p.add_argument("--records", type=int, default=1)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--unwrap", action="store_true")
    p.add_argument("--ragged-error", action="store_true")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--delay", type=float, default=0.0,
                   help="seconds between the TCP connection and the handshake")
    p.add_argument("--deadline", type=int, default=60)
    a = p.parse_args()
    if a.verify is None:
        a.verify = "none" if a.role == "server" else "required"
    signal.alarm(a.deadline)  # never outlive the test
    {"server": serve, "client": connect, "certdict": certdict}[a.role](a)


if __name__ == "__main__":
    main()
