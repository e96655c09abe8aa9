"""The interrupt hook (issue 16, point 4) as an embedding runtime uses it. CPython
itself is the runtime here: the hook is CPython's PyErr_CheckSignals, which runs the
Python signal handlers and returns -1 when one raised, exactly what CPython does
after EINTR. The library is loaded with ctypes.PyDLL, which keeps the GIL during the
call (as an extension would re-take it in its hook) and raises the handler's
exception when the call returns. Compared with CPython's socket module under the
same signals."""

import ctypes
import os
import signal
import socket
import time
import unittest

import polysock_ctypes as ps

plib = ctypes.PyDLL(os.environ["POLYSOCK_LIB"])
plib.net_set_interrupt_hook.restype = ctypes.c_int
plib.net_set_interrupt_hook.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
plib.sock_recv.restype = ctypes.c_int
plib.sock_recv.argtypes = [ps.sock_handle, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                           ctypes.POINTER(ctypes.c_size_t)]
PYERR_CHECKSIGNALS = ctypes.cast(ctypes.pythonapi.PyErr_CheckSignals, ctypes.c_void_p)


class Stop(Exception):
    pass


def recv_cpython(sock, size):
    return sock.recv(size)


def recv_polysock(h, size):
    """sock_recv with the hook set, as a Python binding of polysock would do it."""
    buf = ctypes.create_string_buffer(size)
    n = ctypes.c_size_t()
    st = plib.sock_recv(h, buf, size, 0, ctypes.byref(n))  # a handler's exception comes out
    ps.check(st)
    return buf.raw[:n.value]


class InterruptHook(unittest.TestCase):
    def setUp(self):
        self.assertEqual(0, plib.net_set_interrupt_hook(PYERR_CHECKSIGNALS, None))
        self.calls = 0

    def tearDown(self):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        plib.net_set_interrupt_hook(None, None)

    def run_both(self, handler, timeout=0.5):
        """The outcome and duration of a recv under a 50 ms SIGALRM timer, for CPython
        and then polysock, with the same handler."""
        results = []
        for which in ("cpython", "polysock"):
            if which == "cpython":
                a, b = socket.socketpair()
                b.settimeout(timeout)
                recv, close = (lambda: recv_cpython(b, 8)), (lambda: (a.close(), b.close()))
            else:
                ha, hb = ps.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                ps.call("sock_settimeout", hb, timeout)
                recv = lambda hb=hb: recv_polysock(hb, 8)  # noqa: E731
                close = lambda ha=ha, hb=hb: (ps.lib.sock_close(ha), ps.lib.sock_close(hb))  # noqa: E731
            self.calls = 0
            signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
            start = time.monotonic()
            try:
                got = ps.outcome(recv)
            except Stop:
                got = ("raised", "Stop")
            finally:
                elapsed = time.monotonic() - start
                signal.setitimer(signal.ITIMER_REAL, 0)
                close()
            results.append((got, elapsed, self.calls))
        return results

    def count(self, *_):
        self.calls += 1

    def test_a_handler_that_returns_lets_the_call_wait_out_its_timeout(self):
        (want, want_t, want_calls), (got, got_t, got_calls) = self.run_both(self.count)
        self.assertEqual(want, ("error", 0, "timed out"))
        self.assertEqual(got, want)
        self.assertGreaterEqual(got_t, 0.5)
        self.assertGreater(want_calls, 3)
        self.assertGreater(got_calls, 3, "the hook ran the Python handler on every EINTR")

    def test_a_handler_that_raises_stops_the_call_with_its_exception(self):
        def stop(*_):
            self.calls += 1
            raise Stop()
        (want, want_t, _), (got, got_t, got_calls) = self.run_both(stop)
        self.assertEqual(want, ("raised", "Stop"))
        self.assertEqual(got, want)
        self.assertLess(want_t, 0.4)
        self.assertLess(got_t, 0.4, "stopped at the first signal, not at the timeout")
        self.assertEqual(got_calls, 1)

    def test_the_status_and_message_are_interrupted_errors(self):
        ha, hb = ps.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            ps.call("sock_settimeout", hb, 2.0)
            # A hook that always stops, without Python: the flag hook with its flag set.
            flag = ctypes.c_int(1)
            hook = ctypes.cast(ps.lib.net_interrupt_flag_hook, ctypes.c_void_p)
            self.assertEqual(0, plib.net_set_interrupt_hook(hook, ctypes.addressof(flag)))
            signal.signal(signal.SIGALRM, self.count)
            signal.setitimer(signal.ITIMER_REAL, 0.05, 0)
            buf = ctypes.create_string_buffer(8)
            n = ctypes.c_size_t()
            st = ps.lib.sock_recv(hb, buf, 8, 0, ctypes.byref(n))
            self.assertEqual(ps.STATUS_NAMES[st], "SOCK_ERR_INTERRUPTED")
            self.assertEqual(ps.lib.sock_last_errno(), 4)
            self.assertEqual(ps.lib.sock_last_error_message().decode(),
                             str(InterruptedError(4, "Interrupted system call")))
        finally:
            ps.lib.sock_close(ha)
            ps.lib.sock_close(hb)


if __name__ == "__main__":
    unittest.main()
