"""The C ABI through ctypes, for tests that run one scenario through CPython's
socket module and through libpolysock in the same process and compare the results
(issue 16, point 7). Only what the tests need is declared; each test module adds
the prototypes it uses with `fn(name, restype, *argtypes)`.

The library comes from POLYSOCK_LIB (ctest sets it to the built libpolysock.so).
"""

import ctypes
import os

lib = ctypes.CDLL(os.environ["POLYSOCK_LIB"], use_errno=True)

SOCK_OK = 0
STATUS_NAMES = {0: "SOCK_OK", -1: "SOCK_ERR_OS", -2: "SOCK_ERR_TIMEOUT", -3: "SOCK_ERR_GAI",
                -4: "SOCK_ERR_HOST", -5: "SOCK_ERR_VALUE", -6: "SOCK_ERR_NOMEM",
                -7: "SOCK_ERR_RANGE", -8: "SOCK_ERR_INTERRUPTED"}
sock_handle = ctypes.c_uint64


class sock_address(ctypes.Structure):
    _fields_ = [("family", ctypes.c_int), ("host", ctypes.c_char * 256), ("port", ctypes.c_int),
                ("flowinfo", ctypes.c_uint32), ("scope_id", ctypes.c_uint32)]


class Failure(Exception):
    """A call that did not return SOCK_OK: status, errno and message, as polysock gave them."""

    def __init__(self, status, errno, message):
        super().__init__(f"{STATUS_NAMES.get(status, status)}[{errno}]: {message}")
        self.status, self.errno, self.message = status, errno, message


def fn(name, restype, *argtypes):
    """Declares lib.<name> and returns it."""
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


fn("sock_last_errno", ctypes.c_int)
fn("sock_last_error_message", ctypes.c_char_p)


def check(status):
    """Raises Failure unless status is SOCK_OK; returns SOCK_OK."""
    if status != SOCK_OK:
        raise Failure(status, lib.sock_last_errno(), lib.sock_last_error_message().decode())
    return status


def call(name, *args):
    """lib.<name>(*args), checked."""
    return check(getattr(lib, name)(*args))


fn("sock_create", ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
   ctypes.POINTER(sock_handle))
fn("sock_close", ctypes.c_int, sock_handle)
fn("sock_fileno", ctypes.c_int, sock_handle, ctypes.POINTER(ctypes.c_int))
fn("sock_bind", ctypes.c_int, sock_handle, ctypes.c_char_p, ctypes.c_int)
fn("sock_listen", ctypes.c_int, sock_handle, ctypes.c_int)
fn("sock_connect", ctypes.c_int, sock_handle, ctypes.c_char_p, ctypes.c_int)
fn("sock_getsockname", ctypes.c_int, sock_handle, ctypes.POINTER(sock_address))
fn("sock_settimeout", ctypes.c_int, sock_handle, ctypes.c_double)
fn("sock_info", ctypes.c_int, sock_handle, ctypes.POINTER(ctypes.c_int),
   ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
fn("net_socketpair", ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
   ctypes.POINTER(sock_handle), ctypes.POINTER(sock_handle))


def create(family, type_, proto=0):
    h = sock_handle()
    call("sock_create", family, type_, proto, ctypes.byref(h))
    return h.value


def socketpair(family, type_, proto=0):
    a, b = sock_handle(), sock_handle()
    call("net_socketpair", family, type_, proto, ctypes.byref(a), ctypes.byref(b))
    return a.value, b.value


def fileno(h):
    fd = ctypes.c_int()
    call("sock_fileno", h, ctypes.byref(fd))
    return fd.value


def outcome(f, *args):
    """f(*args) as comparable data: ("ok", result), ("error", errno, message) for
    OSError and its subclasses (errno 0 when it has none), or ("value", message) for
    ValueError, TypeError and OverflowError. A CPython exception and a polysock
    Failure of the same kind compare equal."""
    try:
        return ("ok", f(*args))
    except Failure as e:
        if e.status == -5:
            return ("value", e.message)
        return ("error", e.errno, e.message)
    except OSError as e:
        return ("error", e.errno or 0, str(e))
    except (ValueError, TypeError, OverflowError) as e:
        return ("value", str(e))

# ---- issue 16: descriptors, bytes AF_UNIX paths, the interrupt hook, poller fd ----
c_size_p = ctypes.POINTER(ctypes.c_size_t)
fn("sock_create_fileno", ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
   ctypes.POINTER(sock_handle))
fn("sock_detach", ctypes.c_int, sock_handle, ctypes.POINTER(ctypes.c_int))
fn("sock_gettimeout", ctypes.c_int, sock_handle, ctypes.POINTER(ctypes.c_double))
fn("net_close", ctypes.c_int, ctypes.c_int)
fn("sock_bind_unix", ctypes.c_int, sock_handle, ctypes.c_char_p, ctypes.c_size_t)
fn("sock_connect_unix", ctypes.c_int, sock_handle, ctypes.c_char_p, ctypes.c_size_t)
fn("sock_getsockname_unix", ctypes.c_int, sock_handle, ctypes.c_char_p, ctypes.c_size_t, c_size_p)
fn("sock_getpeername_unix", ctypes.c_int, sock_handle, ctypes.c_char_p, ctypes.c_size_t, c_size_p)
fn("sock_recv", ctypes.c_int, sock_handle, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
   c_size_p)
fn("sock_sendall", ctypes.c_int, sock_handle, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
   c_size_p)
interrupt_hook = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
fn("net_set_interrupt_hook", ctypes.c_int, interrupt_hook, ctypes.c_void_p)
sock_poller = ctypes.c_uint64


class sock_event(ctypes.Structure):
    _fields_ = [("handle", sock_handle), ("events", ctypes.c_uint32),
                ("user_data", ctypes.c_uint64)]


fn("sock_poller_create", ctypes.c_int, ctypes.POINTER(sock_poller))
fn("sock_poller_register", ctypes.c_int, sock_poller, sock_handle, ctypes.c_uint32,
   ctypes.c_uint64)
fn("sock_poller_wait", ctypes.c_int, sock_poller, ctypes.c_double, ctypes.POINTER(sock_event),
   ctypes.c_size_t, c_size_p)
fn("sock_poller_fileno", ctypes.c_int, sock_poller, ctypes.POINTER(ctypes.c_int))
fn("sock_poller_close", ctypes.c_int, sock_poller)


def create_fileno(fd, family=-1, type_=-1, proto=-1):
    h = sock_handle()
    call("sock_create_fileno", family, type_, proto, fd, ctypes.byref(h))
    return h.value


def unix_name(getter, h):
    buf = ctypes.create_string_buffer(108)
    n = ctypes.c_size_t()
    call(getter, h, buf, len(buf), ctypes.byref(n))
    return buf.raw[:n.value]


def recv(h, size, flags=0):
    buf = ctypes.create_string_buffer(size)
    n = ctypes.c_size_t()
    call("sock_recv", h, buf, size, flags, ctypes.byref(n))
    return buf.raw[:n.value]


# create_connection, with Happy Eyeballs and all_errors (test_connect.py).
class net_connect_error(ctypes.Structure):
    _fields_ = [("address", sock_address), ("status", ctypes.c_int), ("err", ctypes.c_int),
                ("message", ctypes.c_char * 256)]


fn("sock_getpeername", ctypes.c_int, sock_handle, ctypes.POINTER(sock_address))
fn("net_create_connection", ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_double,
   ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(sock_handle))
fn("net_create_connection_ex", ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_double,
   ctypes.c_char_p, ctypes.c_int, ctypes.c_double, ctypes.c_int,
   ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(sock_handle))
fn("net_connect_errors_count", ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t))
fn("net_connect_errors_get", ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,
   ctypes.POINTER(net_connect_error))
fn("net_connect_errors_free", None, ctypes.c_void_p)


# ---- Messages (test_messages.py) ------------------------------------------------

class sock_iovec(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class sock_cmsg(ctypes.Structure):
    _fields_ = [("level", ctypes.c_int), ("type", ctypes.c_int), ("data", ctypes.c_void_p),
                ("len", ctypes.c_size_t)]


class sock_msg_info(ctypes.Structure):
    _fields_ = [("nbytes", ctypes.c_size_t), ("ancdata_len", ctypes.c_size_t),
                ("msg_flags", ctypes.c_int), ("address", sock_address)]


fn("sock_sendmsg", ctypes.c_int, sock_handle, ctypes.POINTER(sock_iovec), ctypes.c_size_t,
   ctypes.POINTER(sock_cmsg), ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
   ctypes.POINTER(ctypes.c_size_t))
fn("sock_recvmsg", ctypes.c_int, sock_handle, ctypes.POINTER(sock_iovec), ctypes.c_size_t,
   ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.POINTER(sock_msg_info))
fn("sock_cmsg_next", ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,
   ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(sock_cmsg), ctypes.POINTER(ctypes.c_int))
fn("net_cmsg_len", ctypes.c_int, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))
fn("net_cmsg_space", ctypes.c_int, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))
fn("sock_send_fds", ctypes.c_int, sock_handle, ctypes.POINTER(sock_iovec), ctypes.c_size_t,
   ctypes.POINTER(ctypes.c_int), ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
   ctypes.POINTER(ctypes.c_size_t))
fn("sock_recv_fds", ctypes.c_int, sock_handle, ctypes.c_void_p, ctypes.c_size_t,
   ctypes.POINTER(ctypes.c_int), ctypes.c_size_t, ctypes.c_int, ctypes.POINTER(ctypes.c_size_t),
   ctypes.POINTER(sock_msg_info))
fn("sock_setsockopt", ctypes.c_int, sock_handle, ctypes.c_int, ctypes.c_int, ctypes.c_int)
fn("sock_sendto", ctypes.c_int, sock_handle, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
   ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_size_t))


def address_tuple(a):
    """A sock_address as CPython's socket module gives it: None, a path, or a tuple."""
    import socket
    host = a.host.decode()
    if a.family == 0:
        return None
    if a.family == socket.AF_INET:
        return (host, a.port)
    if a.family == socket.AF_INET6:
        return (host, a.port, a.flowinfo, a.scope_id)
    return host
