"""System calls per round trip, polysock against CPython (issue 11, point 6): a 64-byte
ping-pong over an AF_UNIX socketpair (an echo thread and the main thread), in
blocking mode and in timeout mode, each run in a child process under
`strace -f -c`, which counts the socket system calls of both ends.

Blocking mode must make exactly what CPython makes (one recvfrom and one sendto per
message, no poll); timeout mode must make no more than CPython, which polls before
every call: polysock polls before a recv, but makes a send first and polls only if
it would block, so a round trip on a writable socket costs 6 calls instead of 8."""

import ctypes
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

TRIPS = 400
COUNTED = ("poll", "ppoll", "select", "pselect6", "sendto", "recvfrom")


def ping_pong(impl, mode):
    """The child: TRIPS round trips of 64 bytes in `mode`, through `impl`."""
    if impl == "cpython":
        a, b = socket.socketpair()
        for s in (a, b):
            s.settimeout(5.0 if mode == "timeout" else None)
        send = lambda s, data: s.sendall(data)  # noqa: E731
        recv = lambda s: s.recv(64)  # noqa: E731
    else:
        import polysock_ctypes as ps

        h = ps.sock_handle
        size_p = ctypes.POINTER(ctypes.c_size_t)
        ps.fn("net_socketpair", ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
              ctypes.POINTER(h), ctypes.POINTER(h))
        ps.fn("sock_settimeout", ctypes.c_int, h, ctypes.c_double)
        ps.fn("sock_sendall", ctypes.c_int, h, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
              size_p)
        ps.fn("sock_recv", ctypes.c_int, h, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, size_p)
        a, b = h(), h()
        ps.call("net_socketpair", socket.AF_UNIX, socket.SOCK_STREAM, 0, ctypes.byref(a),
                ctypes.byref(b))
        for s in (a, b):
            ps.call("sock_settimeout", s, 5.0 if mode == "timeout" else -1.0)

        def send(s, data):
            n = ctypes.c_size_t()
            ps.call("sock_sendall", s, data, len(data), 0, ctypes.byref(n))

        def recv(s):
            buf = ctypes.create_string_buffer(64)
            n = ctypes.c_size_t()
            ps.call("sock_recv", s, buf, 64, 0, ctypes.byref(n))
            return buf.raw[:n.value]

    def echo():
        for _ in range(TRIPS):
            send(b, recv(b))

    t = threading.Thread(target=echo)
    t.start()
    msg = b"x" * 64
    for _ in range(TRIPS):
        send(a, msg)
        assert recv(a) == msg
    t.join(10)


def counts(impl, mode):
    """{syscall: calls} of one child run under strace."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as out:
        subprocess.run(
            ["strace", "-f", "-c", "-e", "trace=" + ",".join(COUNTED), "-o", out.name,
             sys.executable, __file__, impl, mode],
            check=True, timeout=120, env=os.environ, cwd=os.path.dirname(__file__))
        with open(out.name) as f:
            text = f.read()
    found = {}
    for line in text.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", line)
        if m:
            found[m.group(2)] = int(m.group(1))
    return {name: found.get(name, 0) for name in COUNTED}


def polls(c):
    return c["poll"] + c["ppoll"] + c["select"] + c["pselect6"]


class SystemCallsPerRoundTrip(unittest.TestCase):
    def compare(self, mode):
        cp, ps = counts("cpython", mode), counts("polysock", mode)
        msgs = 2 * TRIPS  # each end sends and receives TRIPS messages
        self.assertEqual(msgs, ps["sendto"], ps)
        self.assertEqual(msgs, ps["recvfrom"], ps)
        self.assertLessEqual(sum(ps.values()), sum(cp.values()), f"polysock {ps}, CPython {cp}")
        return cp, ps

    def test_blocking_mode_makes_what_cpython_makes(self):
        cp, ps = self.compare("blocking")
        self.assertEqual(0, polls(ps), ps)
        self.assertEqual(sum(cp.values()), sum(ps.values()), f"polysock {ps}, CPython {cp}")

    def test_timeout_mode_polls_before_recv_only(self):
        cp, ps = self.compare("timeout")
        self.assertGreaterEqual(polls(cp), 4 * TRIPS, cp)  # CPython: before every call
        self.assertLessEqual(polls(ps), 2 * TRIPS, ps)  # polysock: before each recv only


if __name__ == "__main__":
    if len(sys.argv) == 3:
        ping_pong(sys.argv[1], sys.argv[2])
    else:
        unittest.main()
