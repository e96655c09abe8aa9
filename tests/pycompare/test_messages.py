"""sendmsg / recvmsg, ancillary data and descriptor passing: each scenario through
CPython's socket module and through libpolysock, results compared (data, ancillary
items, msg_flags, sender, errors). Where polysock differs on purpose (received
descriptors are close-on-exec; send_fds/recv_fds use their flags), the test says so.
"""

import array
import ctypes
import fcntl
import mmap
import os
import socket
import struct
import unittest

import polysock_ctypes as ps

IP_PKTINFO = 8  # Linux's value; CPython 3.11 has no socket.IP_PKTINFO


# ---- polysock's side, shaped like CPython's results --------------------------------

class PSock:
    """A polysock handle with CPython-shaped sendmsg / recvmsg_into / recvmsg."""

    def __init__(self, h):
        self.h = h

    def close(self):
        ps.call("sock_close", self.h)

    def setsockopt(self, level, opt, value):
        ps.call("sock_setsockopt", self.h, level, opt, value)

    def settimeout(self, t):
        ps.call("sock_settimeout", self.h, -1.0 if t is None else t)

    def getsockname(self):
        a = ps.sock_address()
        ps.call("sock_getsockname", self.h, ctypes.byref(a))
        return ps.address_tuple(a)

    def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
        keep = [ctypes.create_string_buffer(bytes(b), len(b)) for b in buffers]
        iov = (ps.sock_iovec * max(1, len(keep)))()
        for i, b in enumerate(keep):
            iov[i] = ps.sock_iovec(ctypes.cast(b, ctypes.c_void_p), len(b))
        datas = [ctypes.create_string_buffer(bytes(d), len(d)) for _, _, d in ancdata]
        items = (ps.sock_cmsg * max(1, len(datas)))()
        for i, ((level, type_, _), d) in enumerate(zip(ancdata, datas)):
            items[i] = ps.sock_cmsg(level, type_, ctypes.cast(d, ctypes.c_void_p), len(d))
        host, port = (None, 0) if address is None else address
        n = ctypes.c_size_t()
        ps.call("sock_sendmsg", self.h, iov, len(keep), items, len(datas), flags,
                None if host is None else host.encode(), port, ctypes.byref(n))
        return n.value

    def recvmsg_into(self, buffers, ancbufsize=0, flags=0):
        iov = (ps.sock_iovec * max(1, len(buffers)))()
        raw = [ctypes.create_string_buffer(len(b)) for b in buffers]
        for i, r in enumerate(raw):
            iov[i] = ps.sock_iovec(ctypes.cast(r, ctypes.c_void_p), len(r))
        # A size over INT_MAX is refused before the buffer is touched: do not make one.
        anc = ctypes.create_string_buffer(max(1, ancbufsize if ancbufsize < 2**31 else 1))
        info = ps.sock_msg_info()
        ps.call("sock_recvmsg", self.h, iov, len(buffers), anc if ancbufsize else None, ancbufsize,
                flags, ctypes.byref(info))
        left = info.nbytes
        for b, r in zip(buffers, raw):
            take = min(left, len(b))
            b[:take] = r.raw[:take]
            left -= take
        return info.nbytes, walk(anc, info.ancdata_len), info.msg_flags, ps.address_tuple(
            info.address)

    def recvmsg(self, bufsize, ancbufsize=0, flags=0):
        buf = bytearray(bufsize)
        n, anc, fl, addr = self.recvmsg_into([buf], ancbufsize, flags)
        return bytes(buf[:n]), anc, fl, addr


def walk(anc, length):
    """The (level, type, data) items sock_cmsg_next finds."""
    out = []
    cursor = ctypes.c_size_t(0)
    item = ps.sock_cmsg()
    found = ctypes.c_int()
    while True:
        ps.call("sock_cmsg_next", anc, length, ctypes.byref(cursor), ctypes.byref(item),
                ctypes.byref(found))
        if not found.value:
            return out
        out.append((item.level, item.type, ctypes.string_at(item.data, item.len)
                    if item.len else b""))


def ps_pair(type_):
    a, b = ps.socketpair(socket.AF_UNIX, type_)
    return PSock(a), PSock(b)


def py_pair(type_):
    return socket.socketpair(socket.AF_UNIX, type_)


def ps_send_fds(s, buffers, fds, flags=0, address=None):
    keep = [ctypes.create_string_buffer(bytes(b), len(b)) for b in buffers]
    iov = (ps.sock_iovec * max(1, len(keep)))()
    for i, b in enumerate(keep):
        iov[i] = ps.sock_iovec(ctypes.cast(b, ctypes.c_void_p), len(b))
    arr = (ctypes.c_int * max(1, len(fds)))(*fds)
    n = ctypes.c_size_t()
    ps.call("sock_send_fds", s.h, iov, len(keep), arr, len(fds), flags,
            None if address is None else address.encode(), 0, ctypes.byref(n))
    return n.value


def ps_recv_fds(s, bufsize, maxfds, flags=0):
    buf = ctypes.create_string_buffer(max(1, bufsize))
    fds = (ctypes.c_int * max(1, maxfds))()
    nfds = ctypes.c_size_t()
    info = ps.sock_msg_info()
    ps.call("sock_recv_fds", s.h, buf, bufsize, fds if maxfds else None, maxfds, flags,
            ctypes.byref(nfds), ctypes.byref(info))
    return (buf.raw[:info.nbytes], list(fds[:nfds.value]), info.msg_flags,
            ps.address_tuple(info.address))


def outcome(f, *args):
    """("ok", result) or ("error", errno, message, is_value_error) for either library."""
    try:
        return ("ok", f(*args))
    except ps.Failure as e:
        return ("error", e.errno, e.message, e.status == -5)
    except (ValueError, OverflowError, TypeError) as e:
        return ("error", 0, str(e), True)
    except socket.timeout as e:
        return ("error", 0, str(e), False)
    except OSError as e:
        return ("error", e.errno or 0, str(e), False)


def close_fds_in(items):
    for level, type_, data in items:
        if level == socket.SOL_SOCKET and type_ == socket.SCM_RIGHTS:
            for fd in array.array("i", data[:len(data) - len(data) % 4]):
                os.close(fd)


def summary(result):
    """A recvmsg result with descriptor numbers replaced by their count."""
    data, items, flags, addr = result
    shown = []
    for level, type_, d in items:
        if level == socket.SOL_SOCKET and type_ == socket.SCM_RIGHTS:
            shown.append((level, type_, "%d fds" % (len(d) // 4), len(d)))
        else:
            shown.append((level, type_, d))
    return data, shown, flags, addr


def cmsg_len(n):
    v = ctypes.c_size_t()
    ps.call("net_cmsg_len", n, ctypes.byref(v))
    return v.value


def cmsg_space(n):
    v = ctypes.c_size_t()
    ps.call("net_cmsg_space", n, ctypes.byref(v))
    return v.value


class Messages(unittest.TestCase):

    def setUp(self):
        r, w = os.pipe()
        self.fds = [r, w, os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)]

    def tearDown(self):
        for fd in self.fds:
            os.close(fd)

    def test_scatter_gather_over_a_unix_stream(self):
        def run(pair):
            a, b = pair(socket.SOCK_STREAM)
            try:
                sent = a.sendmsg([b"ab", b"", b"cde", b"f"])
                bufs = [bytearray(2), bytearray(10)]
                got = b.recvmsg_into(bufs)
                return sent, got, [bytes(x) for x in bufs]
            finally:
                a.close()
                b.close()
        self.assertEqual(run(py_pair), run(ps_pair))

    def test_udp_truncation_flags_and_sender(self):
        def run(make):
            rx, tx = make(), make()
            try:
                rx.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
                out = []
                for bufsize, ancbufsize in [(4, 0), (10, 0), (2, 15), (2, 16), (2, 20), (2, 27),
                                            (2, socket.CMSG_SPACE(12)), (16, 64)]:
                    tx.sendmsg([b"0123", b"456789"], [], 0, rx.getsockname())
                    data, anc, flags, addr = rx.recvmsg(bufsize, ancbufsize)
                    out.append((data, anc, flags, addr == tx.getsockname()))
                return out
            finally:
                rx.close()
                tx.close()

        def py():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            return s

        def mine():
            s = PSock(ps.create(socket.AF_INET, socket.SOCK_DGRAM))
            ps.call("sock_bind", s.h, b"127.0.0.1", 0)
            return s
        self.assertEqual(run(py), run(mine))

    def test_ipv6_pktinfo_and_a_hop_limit_item_sent(self):
        def run(make):
            rx, tx = make(), make()
            try:
                rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
                rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
                tx.sendmsg([b"six"], [(socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT,
                                       struct.pack("i", 7))], 0, rx.getsockname()[:2])
                data, anc, flags, addr = rx.recvmsg(8, 256)
                return data, anc, flags, addr == tx.getsockname()
            finally:
                rx.close()
                tx.close()

        def py():
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.bind(("::1", 0))
            return s

        def mine():
            s = PSock(ps.create(socket.AF_INET6, socket.SOCK_DGRAM))
            ps.call("sock_bind", s.h, b"::1", 0)
            return s
        py_result, ps_result = run(py), run(mine)
        self.assertEqual(py_result, ps_result)
        self.assertIn((socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack("i", 7)),
                      ps_result[1])

    def test_scm_rights_with_every_ancillary_buffer_size(self):
        def run(pair, passcred):
            out = []
            sizes = [0, 1, 15, 16, 17, 19, 20, 21, 24, 28, 100]
            if passcred:
                sizes += [20, 28, 32, 52, 56, 59, 60]
            for anc in sizes:
                a, b = pair(socket.SOCK_DGRAM)
                try:
                    if passcred:
                        b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
                    a.sendmsg([b"hello"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                            array.array("i", self.fds).tobytes())])
                    before = len(os.listdir("/proc/self/fd"))
                    result = b.recvmsg(10, anc)
                    opened = len(os.listdir("/proc/self/fd")) - before
                    close_fds_in(result[1])
                    out.append((anc, summary(result), opened))
                finally:
                    a.close()
                    b.close()
            return out
        for passcred in (False, True):
            with self.subTest(passcred=passcred):
                self.assertEqual(run(py_pair, passcred), run(ps_pair, passcred))

    def test_credentials_are_this_process(self):
        def run(pair):
            a, b = pair(socket.SOCK_DGRAM)
            try:
                b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
                a.sendmsg([b"c"])
                implicit = b.recvmsg(4, 64)
                creds = struct.pack("3i", os.getpid(), os.getuid(), os.getgid())
                a.sendmsg([b"c"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)])
                return implicit, b.recvmsg(4, 64)
            finally:
                a.close()
                b.close()
        py_result, ps_result = run(py_pair), run(ps_pair)
        self.assertEqual(py_result, ps_result)
        self.assertEqual(struct.pack("3i", os.getpid(), os.getuid(), os.getgid()),
                         ps_result[0][1][0][2])

    def test_send_fds_and_recv_fds(self):
        r, w = self.fds[:2]

        def run(pair, send, recv):
            out = []
            for maxfds in (0, 1, 2, 5):
                a, b = pair(socket.SOCK_STREAM)
                try:
                    send(a, [b"fd", b"s"], [r, w])
                    data, fds, flags, addr = recv(b, 10, maxfds)
                    inheritable = [os.get_inheritable(fd) for fd in fds]
                    for fd in fds:
                        os.close(fd)
                    out.append((data, len(fds), flags, addr, inheritable))
                finally:
                    a.close()
                    b.close()
            return out
        py_result = run(py_pair, socket.send_fds, socket.recv_fds)
        ps_result = run(ps_pair, ps_send_fds, ps_recv_fds)
        # The same data, counts, flags and (no) sender; only the close-on-exec flag
        # differs: CPython's recvmsg leaves received descriptors inheritable.
        self.assertEqual([x[:4] for x in py_result], [x[:4] for x in ps_result])
        self.assertTrue(all(all(x[4]) for x in py_result if x[4]))
        self.assertFalse(any(any(x[4]) for x in ps_result))

    def test_received_descriptors_are_close_on_exec_unlike_cpython(self):
        a, b = ps_pair(socket.SOCK_DGRAM)
        try:
            a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                struct.pack("i", self.fds[2]))])
            _, items, flags, _ = b.recvmsg(4, 64)
            fd = struct.unpack("i", items[0][2])[0]
            self.assertEqual(0, flags, "MSG_CMSG_CLOEXEC is implied, not echoed")
            self.assertEqual(fcntl.FD_CLOEXEC, fcntl.fcntl(fd, fcntl.F_GETFD))
            os.close(fd)
        finally:
            a.close()
            b.close()

    def test_cmsg_len_and_space(self):
        for n in [0, 1, 4, 12, 20, 2147483623, 2147483624, 2147483631, 2147483632, 2**63 - 1]:
            with self.subTest(n=n):
                self.assertEqual(outcome(socket.CMSG_LEN, n), outcome(cmsg_len, n))
                self.assertEqual(outcome(socket.CMSG_SPACE, n), outcome(cmsg_space, n))

    def test_errors(self):
        m = mmap.mmap(-1, 2**31)
        fake = ctypes.create_string_buffer(1)

        def scenarios(pair, mine):
            a, b = pair(socket.SOCK_DGRAM)
            b.settimeout(0.05)
            too_large = memoryview(m)[:2147483624] if not mine else FakeBytes(2147483624)
            half = memoryview(m)[:2**30] if not mine else FakeBytes(2**30)
            results = [
                outcome(a.sendmsg, [b"x"] * 1025),
                outcome(b.recvmsg_into, [bytearray(1)] * 1025),
                outcome(b.recvmsg, 10, 2**31),
                outcome(b.recvmsg, 10),  # times out
                outcome(a.sendmsg, [b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, too_large)]),
                outcome(a.sendmsg, [b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, half)] * 2),
                outcome(a.sendmsg, [b"x"], [(socket.SOL_SOCKET, 12345, b"")]),
                outcome(a.sendmsg, [b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                             array.array("i", [0] * 254).tobytes())]),
                outcome(a.sendmsg, [b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                             struct.pack("i", -1))]),
                outcome(a.sendmsg, [b"x"], [], -1),
            ]
            a.close()
            results.append(outcome(a.recvmsg, 10))
            results.append(outcome(a.sendmsg, [b"x"]))
            b.close()
            return results

        class FakeBytes:
            """A length without the memory: polysock refuses it before reading."""

            def __init__(self, n):
                self.n = n

            def __len__(self):
                return self.n

        def ps_pair_big(type_):
            a, b = ps_pair(type_)
            send = a.sendmsg

            def sendmsg(buffers, ancdata=(), flags=0, address=None):
                if any(isinstance(d, FakeBytes) for _, _, d in ancdata):
                    items = (ps.sock_cmsg * len(ancdata))()
                    for i, (level, type_, d) in enumerate(ancdata):
                        items[i] = ps.sock_cmsg(level, type_, ctypes.cast(fake, ctypes.c_void_p),
                                                len(d))
                    iov = (ps.sock_iovec * 1)()
                    n = ctypes.c_size_t()
                    return ps.call("sock_sendmsg", a.h, iov, 0, items, len(ancdata), flags, None,
                                   0, ctypes.byref(n))
                return send(buffers, ancdata, flags, address)
            a.sendmsg = sendmsg
            return a, b
        try:
            self.assertEqual(scenarios(py_pair, False), scenarios(ps_pair_big, True))
        finally:
            m.close()


if __name__ == "__main__":
    unittest.main()
