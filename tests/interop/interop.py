#!/usr/bin/env python3
"""The cross-language test of the examples (issue 14).

Runs every language's example programs (build/<preset>/examples/<L>/bin/<program>,
the contract of examples/README.md) against every other language's, and against
peers that no polysock code wrote: Python's own socket module, socat and curl.

    interop.py --examples build/debug/examples [--work DIR] c java csharp go

Every language named is required: a missing program is a failure, never a skip.
Only 127.0.0.1 is used, with ports the servers choose (port 0, read from their
first line, "listening on HOST:PORT"). Every wait is bounded and every server is
killed at the end. One PASS/FAIL line per check, then "N passed, M failed".
"""

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
PROGRAMS = ["greeting_server", "greeting_client", "file_send", "file_receive",
            "multi_client_server", "multi_client", "reuse_address", "lookup",
            "udp_echo", "http_hello"]
FILE_SIZE = 50 * 1024 * 1024
START_TIMEOUT = 30   # a JVM or .NET server printing its first line
RUN_TIMEOUT = 60     # any one client program
GREETING = re.compile(r"Thank you for connecting, 127\.0\.0\.1:(\d+)\n\Z")

results = []         # (ok, name, detail), in the order the checks were made
servers = []         # every server started, killed at the end
servers_lock = threading.Lock()


def record(ok, name, detail=""):
    results.append((ok, name, detail))
    line = "%s %s" % ("PASS" if ok else "FAIL", name)
    if detail and not ok:
        line += ": " + detail
    print(line, flush=True)


class Server:
    """A server program, started with port 0; its port is read from its first line."""

    def __init__(self, argv, env=None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        with servers_lock:
            servers.append(self)
        self.first = None
        reader = threading.Thread(target=self._first_line, daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", self.first or "")
        if not m:
            self.kill()
            raise RuntimeError("%s: no 'listening on 127.0.0.1:PORT' line (got %r, stderr %r)"
                               % (" ".join(argv[:1]), self.first, self.stderr_text()))
        self.port = int(m.group(1))

    def _first_line(self):
        self.first = self.proc.stdout.readline().decode(errors="replace")

    def stderr_text(self):
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace").strip()

    def finish(self, timeout=30):
        """Waits for the server to exit by itself; returns (rc, rest of stdout, stderr)."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None, "", "did not exit within %d s" % timeout
        return self.proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.communicate(timeout=10)
        except (subprocess.TimeoutExpired, ValueError):
            pass


def run(argv, timeout=RUN_TIMEOUT, env=None):
    """Runs a client program; returns (rc, stdout, stderr), rc None on timeout."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %d s" % timeout
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def describe(rc, out, err):
    return "exit %s, stdout %r, stderr %r" % (rc, out[-300:], err[-300:])


def check(name, fn):
    """Runs one check; an exception is its failure."""
    try:
        ok, detail = fn()
    except Exception as e:  # pylint: disable=broad-except
        ok, detail = False, "%s: %s" % (type(e).__name__, e)
    record(ok, name, detail)


# ---- greeting ---------------------------------------------------------------------

def python_greeting_client(port):
    with socket.create_connection((HOST, port), timeout=10) as s:
        mine = s.getsockname()[1]
        data = b""
        while True:
            chunk = s.recv(1024)
            if not chunk:
                break
            data += chunk
    return data.decode(), mine


def greeting(prog, langs):
    for server_lang in langs:
        clients = langs + ["python"]
        try:
            server = Server([prog(server_lang, "greeting_server"), HOST, "0", str(len(clients))])
        except Exception as e:  # pylint: disable=broad-except
            for c in clients:
                record(False, "greeting %s client -> %s server" % (c, server_lang), str(e))
            continue
        for client_lang in clients:
            name = "greeting %s client -> %s server" % (client_lang, server_lang)
            if client_lang == "python":
                def fn():
                    text, mine = python_greeting_client(server.port)
                    want = "Thank you for connecting, 127.0.0.1:%d\n" % mine
                    return text == want, "got %r, want %r" % (text, want)
            else:
                def fn():
                    rc, out, err = run([prog(client_lang, "greeting_client"), HOST,
                                        str(server.port)])
                    return rc == 0 and GREETING.match(out) is not None, describe(rc, out, err)
            check(name, fn)
        rc, out, err = server.finish()
        record(rc == 0, "greeting %s server exits 0 after %d clients" % (server_lang, len(clients)),
               describe(rc, out, err))


# ---- file transfer ----------------------------------------------------------------

def python_file_send(port, path, digest):
    """file_send's protocol with Python's socket module (and its sendfile)."""
    with socket.create_connection((HOST, port), timeout=30) as s, open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        s.sendall(struct.pack(">Q", size))
        s.sendfile(f)
        s.sendall(digest)
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(512)
            if not chunk:
                break
            reply += chunk
    return reply.decode(errors="replace").rstrip("\n")


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_pair(prog, work, source, sha, sender_lang, receiver_lang):
    out_path = os.path.join(work, "received-%s-to-%s.bin" % (sender_lang, receiver_lang))
    expected = "OK %d %s" % (FILE_SIZE, sha)
    server = Server([prog(receiver_lang, "file_receive"), HOST, "0", out_path])
    try:
        if sender_lang == "python":
            sent_reply = python_file_send(server.port, source, bytes.fromhex(sha))
            send_ok, send_detail = sent_reply == expected, "python got %r" % sent_reply
        else:
            rc, out, err = run([prog(sender_lang, "file_send"), HOST, str(server.port), source])
            send_ok = rc == 0 and expected in out.splitlines()
            send_detail = "file_send " + describe(rc, out, err)
        rc, out, err = server.finish()
        recv_ok = rc == 0 and expected in out.splitlines()
        recv_detail = "file_receive " + describe(rc, out, err)
        size = os.path.getsize(out_path) if os.path.exists(out_path) else -1
        got_sha = file_sha256(out_path) if size >= 0 else ""
        file_ok = size == FILE_SIZE and got_sha == sha
        details = [d for ok, d in ((send_ok, send_detail), (recv_ok, recv_detail),
                                   (file_ok, "received file: %d bytes, sha256 %s" % (size, got_sha)))
                   if not ok]
        return send_ok and recv_ok and file_ok, "; ".join(details)
    finally:
        server.kill()
        if os.path.exists(out_path):
            os.remove(out_path)


def file_transfer(prog, langs, work):
    source = os.path.join(work, "random-50MiB.bin")
    with open(source, "wb") as f:
        for _ in range(FILE_SIZE // (1 << 20)):
            f.write(os.urandom(1 << 20))
    sha = file_sha256(source)
    pairs = [(s, r) for r in langs for s in langs + ["python"]]
    # Two pairs at a time (two cores); each has its own port and files, and the
    # results are printed in the fixed order of the pairs.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(file_pair, prog, work, source, sha, s, r) for s, r in pairs]
        for (s, r), fut in zip(pairs, futures):
            check("file %s file_send -> %s file_receive (50 MiB, sha256)" % (s, r),
                  lambda fut=fut: fut.result(timeout=RUN_TIMEOUT * 3))
    os.remove(source)


# ---- UDP, HTTP ----------------------------------------------------------------------

def udp(prog, langs):
    for lang in langs:
        def fn():
            server = Server([prog(lang, "udp_echo"), HOST, "0", "2"])
            try:
                text = b"hello from socat\n"
                p = subprocess.run(["socat", "-t", "2", "-T", "5", "-", "UDP:%s:%d" % (HOST, server.port)],
                                   input=text, capture_output=True, timeout=20)
                socat_ok = p.stdout == text
                blob = bytes(range(256)) * 4 + b"\0end"
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(10)
                    s.sendto(blob, (HOST, server.port))
                    echoed, sender = s.recvfrom(65535)
                py_ok = echoed == blob and sender == (HOST, server.port)
                rc, out, err = server.finish()
                return (socat_ok and py_ok and rc == 0,
                        "socat got %r (stderr %r); python datagram %s; server %s"
                        % (p.stdout, p.stderr[-200:], "ok" if py_ok else "wrong",
                           describe(rc, out, err)))
            finally:
                server.kill()
        check("udp socat and python -> %s udp_echo" % lang, fn)


def http(prog, langs):
    for lang in langs:
        def fn():
            server = Server([prog(lang, "http_hello"), HOST, "0", "1"])
            try:
                rc, out, err = run(["curl", "-sS", "-i", "--max-time", "10",
                                    "http://%s:%d/" % (HOST, server.port)], timeout=20)
                body = "hello from polysock %s\n" % lang
                head, _, got_body = out.partition("\r\n\r\n")
                ok = (rc == 0 and head.startswith("HTTP/1.1 200 OK\r\n") and got_body == body
                      and "Content-Length: %d" % len(body) in head)
                src, sout, serr = server.finish()
                return ok and src == 0, "curl %s; server %s" % (describe(rc, out, err),
                                                               describe(src, sout, serr))
            finally:
                server.kill()
        check("http curl -> %s http_hello" % lang, fn)


# ---- many clients, reuse, lookup, command lines -----------------------------------

def multi(prog, langs):
    lines = 5
    env = dict(os.environ, POLYSOCK_EXAMPLE_INTERVAL="0.05")
    for i, lang in enumerate(langs):
        client_langs = [langs[(i + k + 1) % len(langs)] for k in range(3)]
        name = "multi %s multi_client_server with 3 clients at once (%s)" % (
            lang, ", ".join(client_langs))

        def fn(lang=lang, client_langs=client_langs):
            server = Server([prog(lang, "multi_client_server"), HOST, "0", "3"])
            try:
                procs = []
                for k, cl in enumerate(client_langs):
                    argv = [prog(cl, "multi_client"), HOST, str(server.port), "%s%d" % (cl, k), str(lines)]
                    procs.append((argv, subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                                         stdout=subprocess.PIPE,
                                                         stderr=subprocess.PIPE, env=env)))
                problems = []
                for argv, p in procs:
                    try:
                        out, err = p.communicate(timeout=RUN_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.communicate()
                        problems.append("%s timed out" % argv[3])
                        continue
                    # The echoes, in order (a language may print more lines around them).
                    want = ["echo: %s line %d" % (argv[3], n) for n in range(1, lines + 1)]
                    echoes = [l for l in out.decode().splitlines() if l.startswith("echo: ")]
                    if p.returncode != 0 or echoes != want:
                        problems.append("%s: %s" % (argv[3], describe(p.returncode, out.decode(),
                                                                      err.decode())))
                rc, out, err = server.finish()
                if rc != 0:
                    problems.append("server " + describe(rc, out, err))
                return not problems, "; ".join(problems)
            finally:
                server.kill()
        check(name, fn)


def reuse(prog, langs):
    for lang in langs:
        def fn(lang=lang):
            rc, out, err = run([prog(lang, "reuse_address"), HOST, "0"])
            ok = (rc == 0
                  and "without SO_REUSEADDR: [Errno 98] Address already in use\n" in out
                  and re.search(r"^with SO_REUSEADDR: listening again on 127\.0\.0\.1:\d+$", out,
                                re.M) is not None)
            return ok, describe(rc, out, err)
        check("reuse_address %s" % lang, fn)


def lookup(prog, langs):
    # The values, whatever the layout of each language's lines.
    expected = [socket.gethostname(), "127.0.0.1", "::1", "2001:db8::1", "http", "80",
                "illegal IP address string passed to inet_pton", "256", "16777216"]
    for lang in langs:
        def fn(lang=lang):
            rc, out, err = run([prog(lang, "lookup"), "localhost"])
            missing = [e for e in expected if e not in out]
            return rc == 0 and not missing, "missing %r; %s" % (missing, describe(rc, out, err))
        check("lookup %s" % lang, fn)


def command_lines(prog, langs):
    """--help exits 0 with a usage line; a refused connection is Python's text and exit 1."""
    with socket.socket() as s:   # a port where nothing listens
        s.bind((HOST, 0))
        closed_port = s.getsockname()[1]
    for lang in langs:
        def fn(lang=lang):
            problems = []
            for program in PROGRAMS:
                rc, out, err = run([prog(lang, program), "--help"])
                if rc != 0 or "usage" not in out.lower():
                    problems.append("%s --help: %s" % (program, describe(rc, out, err)))
            rc, out, err = run([prog(lang, "greeting_client"), HOST, str(closed_port)])
            if rc != 1 or "[Errno 111] Connection refused" not in err:
                problems.append("greeting_client to a closed port: " + describe(rc, out, err))
            rc, out, err = run([prog(lang, "greeting_client")])
            if rc != 2:
                problems.append("greeting_client without arguments: " + describe(rc, out, err))
            return not problems, "; ".join(problems)
        check("command lines %s (--help, exit 1 on ECONNREFUSED, exit 2 on bad usage)" % lang, fn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", required=True, help="build/<preset>/examples")
    ap.add_argument("--work", help="scratch directory (default: a temporary one)")
    ap.add_argument("languages", nargs="+", help="the languages required: c java csharp go")
    args = ap.parse_args()
    started = time.monotonic()

    def prog(lang, program):
        return os.path.join(args.examples, lang, "bin", program)

    langs = []
    for lang in args.languages:
        missing = [p for p in PROGRAMS if not os.access(prog(lang, p), os.X_OK)]
        record(not missing, "%s examples present in %s" % (lang, os.path.join(args.examples, lang, "bin")),
               "missing " + ", ".join(missing))
        if not missing:
            langs.append(lang)
    found = sorted(d for d in os.listdir(args.examples)
                   if os.path.isdir(os.path.join(args.examples, d, "bin")))
    print("languages found in %s: %s; tested: %s" % (args.examples, " ".join(found), " ".join(langs)),
          flush=True)

    if args.work:
        os.makedirs(args.work, exist_ok=True)
    work = tempfile.mkdtemp(prefix="interop-", dir=args.work)
    try:
        if langs:
            greeting(prog, langs)
            file_transfer(prog, langs, work)
            udp(prog, langs)
            http(prog, langs)
            multi(prog, langs)
            reuse(prog, langs)
            lookup(prog, langs)
            command_lines(prog, langs)
    finally:
        with servers_lock:
            for server in servers:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)

    failed = sum(1 for ok, _, _ in results if not ok)
    print("(%.1f s)" % (time.monotonic() - started))
    print("%d passed, %d failed" % (len(results) - failed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
