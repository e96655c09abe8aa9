"""socket(fileno=fd), socket.close(fd) and bytes AF_UNIX addresses (issue 16, points
2 and 3): each scenario through CPython and through libpolysock, results compared."""

import ctypes
import os
import socket
import tempfile
import unittest

import polysock_ctypes as ps


def attributes_cpython(fd):
    s = socket.socket(fileno=fd)
    try:
        return (s.family, s.type, s.proto, s.gettimeout(), s.fileno() == fd,
                os.get_blocking(fd))
    finally:
        s.detach()


def attributes_polysock(fd):
    h = ps.create_fileno(fd)
    try:
        fam, typ, proto = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        ps.call("sock_info", h, ctypes.byref(fam), ctypes.byref(typ), ctypes.byref(proto))
        t = ctypes.c_double()
        ps.call("sock_gettimeout", h, ctypes.byref(t))
        timeout = None if t.value == -1.0 else t.value
        return (fam.value, typ.value, proto.value, timeout, ps.fileno(h) == fd,
                os.get_blocking(fd))
    finally:
        out = ctypes.c_int()
        ps.call("sock_detach", h, ctypes.byref(out))


class FromFileno(unittest.TestCase):
    def test_detects_family_type_proto_and_keeps_the_descriptor(self):
        for family, type_ in [(socket.AF_INET, socket.SOCK_STREAM),
                              (socket.AF_INET6, socket.SOCK_DGRAM),
                              (socket.AF_UNIX, socket.SOCK_STREAM),
                              (socket.AF_UNIX, socket.SOCK_SEQPACKET)]:
            for nonblocking in (False, True):
                with self.subTest(family=family, type=type_, nonblocking=nonblocking):
                    with socket.socket(family, type_) as s:
                        s.setblocking(not nonblocking)
                        fd = s.fileno()
                        self.assertEqual(attributes_cpython(fd), attributes_polysock(fd))

    def test_the_same_errors(self):
        r, w = os.pipe()
        file_fd = os.open(os.devnull, os.O_RDONLY)
        try:
            for fd in (-1, r, file_fd, 99999):
                with self.subTest(fd=fd):
                    want = ps.outcome(lambda: socket.socket(fileno=fd).detach())
                    self.assertIn(want[0], ("error", "value"))
                    self.assertEqual(want, ps.outcome(ps.create_fileno, fd))
        finally:
            os.close(r)
            os.close(w)
            os.close(file_fd)


class CloseFd(unittest.TestCase):
    def test_closes_once_then_ebadf_as_cpython(self):
        for closer in (socket.close, lambda fd: ps.call("net_close", fd)):
            with self.subTest(closer=closer):
                fd = socket.socket().detach()
                self.assertEqual(ps.outcome(closer, fd)[0], "ok")
                self.assertEqual(ps.outcome(closer, fd),
                                 ("error", 9, "[Errno 9] Bad file descriptor"))
        self.assertEqual(ps.outcome(socket.close, -1),
                         ps.outcome(lambda: ps.call("net_close", -1)))


class UnixBytes(unittest.TestCase):
    def names(self, path):
        """(getsockname, peer's getpeername) after binding path and connecting to it."""
        results = []
        with socket.socket(socket.AF_UNIX) as srv:
            srv.bind(path)
            srv.listen()
            with socket.socket(socket.AF_UNIX) as cli:
                cli.connect(path)
                results.append((srv.getsockname(), cli.getpeername()))
        if path and path[:1] != b"\0":
            os.unlink(path)
        srv = ps.create(socket.AF_UNIX, socket.SOCK_STREAM)
        cli = ps.create(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            ps.call("sock_bind_unix", srv, path, len(path))
            ps.call("sock_listen", srv, 4)
            ps.call("sock_connect_unix", cli, path, len(path))
            results.append((ps.unix_name("sock_getsockname_unix", srv),
                            ps.unix_name("sock_getpeername_unix", cli)))
        finally:
            ps.lib.sock_close(srv)
            ps.lib.sock_close(cli)
        if path and path[:1] != b"\0":
            os.unlink(path)
        return results

    def test_abstract_names_with_embedded_nuls(self):
        name = b"\0python\0test\0" + str(os.getpid()).encode()
        cpython, polysock = self.names(name)
        self.assertEqual(cpython, (name, name))
        self.assertEqual(polysock, cpython)

    def test_file_paths_that_begin_with_at(self):
        with tempfile.TemporaryDirectory() as d:
            old = os.getcwd()
            os.chdir(d)
            try:
                cpython, polysock = self.names(b"@file")
            finally:
                os.chdir(old)
        self.assertEqual(cpython, ("@file", "@file"))  # CPython gives file paths as str
        self.assertEqual(polysock, (b"@file", b"@file"))

    def test_the_same_length_limits(self):
        with tempfile.TemporaryDirectory() as d:
            old = os.getcwd()
            os.chdir(d)
            try:
                self.check_length_limits()
            finally:
                os.chdir(old)

    def check_length_limits(self):
        for path in (b"\0" + b"x" * 107, b"\0" + b"x" * 108, b"f" * 107, b"f" * 108):
            with self.subTest(length=len(path)):
                def cpython():
                    with socket.socket(socket.AF_UNIX) as s:
                        s.bind(path)
                        return s.getsockname()
                h = ps.create(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    def polysock():
                        ps.call("sock_bind_unix", h, path, len(path))
                        return ps.unix_name("sock_getsockname_unix", h)
                    want = ps.outcome(cpython)
                    if path[:1] != b"\0" and os.path.exists(path):
                        os.unlink(path)
                    got = ps.outcome(polysock)
                    if want[0] == "ok":
                        want = ("ok", os.fsencode(want[1]))
                    self.assertEqual(want, got)
                finally:
                    ps.lib.sock_close(h)
                if path[:1] != b"\0" and os.path.exists(path):
                    os.unlink(path)


if __name__ == "__main__":
    unittest.main()
