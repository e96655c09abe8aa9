"""The poller's descriptor (issue 16, point 6), against CPython's selectors: an
EpollSelector's fileno() polls readable exactly when select(0) has events; so must
sock_poller_fileno's, step for step."""

import ctypes
import os
import select
import selectors
import socket
import unittest

import polysock_ctypes as ps


def readable(fd):
    p = select.poll()
    p.register(fd, select.POLLIN)
    return bool(p.poll(0))


class PollerFd(unittest.TestCase):
    def steps_cpython(self):
        seen = []
        sel = selectors.EpollSelector()
        a, b = socket.socketpair()
        with sel, a, b:
            sel.register(b, selectors.EVENT_READ)
            seen.append((readable(sel.fileno()), bool(sel.select(0))))
            a.send(b"x")
            seen.append((readable(sel.fileno()), bool(sel.select(0))))
            b.recv(1)
            seen.append((readable(sel.fileno()), bool(sel.select(0))))
            sel.modify(b, selectors.EVENT_WRITE)
            seen.append((readable(sel.fileno()), bool(sel.select(0))))
        return seen

    def steps_polysock(self):
        seen = []
        p = ps.sock_poller()
        ps.call("sock_poller_create", ctypes.byref(p))
        a, b = ps.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        fd = ctypes.c_int()
        ps.call("sock_poller_fileno", p, ctypes.byref(fd))
        events = (ps.sock_event * 4)()
        n = ctypes.c_size_t()

        def step():
            ps.call("sock_poller_wait", p, 0.0, events, 4, ctypes.byref(n))
            seen.append((readable(fd.value), n.value > 0))
        try:
            ps.call("sock_poller_register", p, b, 1, 0)
            step()
            ps.call("sock_sendall", a, b"x", 1, 0, None)
            step()
            ps.recv(b, 1)
            step()
            fn = ps.fn("sock_poller_modify", ctypes.c_int, ps.sock_poller, ps.sock_handle,
                       ctypes.c_uint32, ctypes.c_uint64)
            ps.check(fn(p, b, 2, 0))
            step()
        finally:
            ps.lib.sock_close(a)
            ps.lib.sock_close(b)
            ps.lib.sock_poller_close(p)
        return seen

    def test_readable_exactly_when_a_wait_reports_as_for_epoll_selector(self):
        if os.environ.get("POLYSOCK_POLLER_BACKEND") == "poll":
            self.check_the_poll_backend_has_no_descriptor()
            return
        want = self.steps_cpython()
        self.assertEqual(want, [(False, False), (True, True), (False, False), (True, True)])
        self.assertEqual(self.steps_polysock(), want)

    def check_the_poll_backend_has_no_descriptor(self):
        # CPython's PollSelector has no fileno() either (selectors.BaseSelector's is -1).
        p = ps.sock_poller()
        ps.call("sock_poller_create", ctypes.byref(p))
        try:
            fd = ctypes.c_int()
            with self.assertRaises(ps.Failure) as e:
                ps.call("sock_poller_fileno", p, ctypes.byref(fd))
            self.assertEqual(e.exception.errno, 95)  # ENOTSUP
        finally:
            ps.lib.sock_poller_close(p)


if __name__ == "__main__":
    unittest.main()
