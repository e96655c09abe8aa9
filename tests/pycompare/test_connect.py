"""create_connection (issue 16, point 5): net_create_connection against CPython's
socket.create_connection, and net_create_connection_ex's attempt list against the
ExceptionGroup of create_connection(..., all_errors=True) (CPython 3.11). Every
address refuses (nothing listens on the port), so each attempt fails at once."""

import ctypes
import socket
import unittest

import polysock_ctypes as ps

NONE = -1.0     # SOCK_TIMEOUT_NONE
DEFAULT = -2.0  # SOCK_TIMEOUT_DEFAULT


def refused_port():
    """A port on which nothing listens, on 127.0.0.1 and ::1. The kernel picks the
    IPv6 port without looking at IPv4, where a test running at the same time may
    hold the number: try again until it is free on both."""
    for _ in range(50):
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            port = s.getsockname()[1]
            with socket.socket() as s4:
                try:
                    s4.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise AssertionError("no port free on both 127.0.0.1 and ::1")


def encode(host):
    return None if host is None else host.encode()


def cpython_errors(host, port, source=None):
    """The (errno, message) of each attempt in CPython's ExceptionGroup."""
    try:
        socket.create_connection((host, port), 5, source, all_errors=True).close()
    except ExceptionGroup as group:
        assert group.message == "create_connection failed", group.message
        return [(e.errno, str(e)) for e in group.exceptions]
    raise AssertionError(f"CPython connected to {host!r} port {port}")


def polysock_errors(host, port, delay=NONE, interleave=-1, source=None):
    """The last failure, and the (host, errno, message) of each attempt in the list."""
    errs = ctypes.c_void_p()
    h = ps.sock_handle()
    st = ps.lib.net_create_connection_ex(encode(host), port, 5.0, encode(source), 0, delay,
                                         interleave, ctypes.byref(errs), ctypes.byref(h))
    last = (st, ps.lib.sock_last_errno(), ps.lib.sock_last_error_message().decode())
    if st == ps.SOCK_OK:
        ps.lib.sock_close(h.value)
        return last, None
    if not errs.value:
        return last, None
    n = ctypes.c_size_t()
    ps.call("net_connect_errors_count", errs, ctypes.byref(n))
    attempts = []
    for i in range(n.value):
        e = ps.net_connect_error()
        ps.call("net_connect_errors_get", errs, i, ctypes.byref(e))
        attempts.append((e.address.host.decode(), e.address.port, e.err, e.message.decode()))
    ps.lib.net_connect_errors_free(errs)
    return last, attempts


def addresses(host, port):
    return [sa[0] for _, _, _, _, sa in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)]


class AllErrors(unittest.TestCase):
    def test_every_refused_attempt_is_listed_as_in_cpythons_exception_group(self):
        port = refused_port()
        for host in (None, "localhost", "127.0.0.1", "::1"):
            want = cpython_errors(host, port)
            # Sequentially, and with Happy Eyeballs in getaddrinfo's order (interleave
            # 0): a refusal starts the next attempt at once, so the order is the same.
            for delay, interleave in ((NONE, -1), (0.25, 0)):
                with self.subTest(host=host, delay=delay):
                    last, got = polysock_errors(host, port, delay, interleave)
                    self.assertEqual(want, [(err, msg) for _, _, err, msg in got])
                    self.assertEqual(addresses(host, port), [h for h, _, _, _ in got])
                    self.assertEqual({port}, {p for _, p, _, _ in got})
                    self.assertEqual((-1,) + want[-1], last, "the status is the last failure's")

    def test_a_source_address_of_the_other_family_fails_that_attempt_only(self):
        port = refused_port()
        want = cpython_errors(None, port, ("127.0.0.1", 0))
        self.assertEqual(socket.EAI_ADDRFAMILY, want[0][0])
        _, got = polysock_errors(None, port, source="127.0.0.1")
        self.assertEqual(want, [(err, msg) for _, _, err, msg in got])

    def test_a_resolver_failure_is_raised_directly_with_no_list(self):
        port = refused_port()
        with self.assertRaises(socket.gaierror) as caught:
            socket.create_connection(("0.1.1.~1", port), 5, all_errors=True)
        last, got = polysock_errors("0.1.1.~1", port, 0.25)
        self.assertEqual((-3, caught.exception.errno, str(caught.exception)), last)
        self.assertIsNone(got)


class Sequential(unittest.TestCase):
    def connect(self, host, port, timeout):
        h = ps.sock_handle()
        st = ps.lib.net_create_connection(encode(host), port, timeout, None, 0, ctypes.byref(h))
        if st != ps.SOCK_OK:
            return ("error", ps.lib.sock_last_errno(), ps.lib.sock_last_error_message().decode())
        peer = ps.sock_address()
        t = ctypes.c_double()
        ps.call("sock_getpeername", h.value, ctypes.byref(peer))
        ps.call("sock_gettimeout", h.value, ctypes.byref(t))
        ps.lib.sock_close(h.value)
        return ("ok", peer.family, peer.host.decode(), peer.port, None if t.value < 0 else t.value)

    def cpython(self, host, port, timeout):
        try:
            if timeout == DEFAULT:
                s = socket.create_connection((host, port))
            else:
                s = socket.create_connection((host, port), None if timeout == NONE else timeout)
        except OSError as e:
            return ("error", e.errno or 0, str(e))
        with s:
            peer = s.getpeername()
            return ("ok", int(s.family), peer[0], peer[1], s.gettimeout())

    def test_connects_as_cpython_does(self):
        with socket.create_server(("127.0.0.1", 0)) as v4, \
                socket.create_server(("::1", 0), family=socket.AF_INET6) as v6:
            for host, port in ((None, v4.getsockname()[1]), ("localhost", v4.getsockname()[1]),
                               ("127.0.0.1", v4.getsockname()[1]), ("::1", v6.getsockname()[1])):
                for timeout in (3.0, NONE, DEFAULT, 0.0):
                    with self.subTest(host=host, timeout=timeout):
                        self.assertEqual(self.cpython(host, port, timeout),
                                         self.connect(host, port, timeout))

    def test_fails_with_the_last_error_as_cpython_does(self):
        port = refused_port()
        for host in (None, "localhost", "::1", "0.1.1.~1"):
            with self.subTest(host=host):
                self.assertEqual(self.cpython(host, port, 3.0), self.connect(host, port, 3.0))


if __name__ == "__main__":
    unittest.main()
