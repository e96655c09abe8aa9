using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Polysock.Native;

namespace Polysock
{
    /// <summary>
    /// Python's <c>socket</c> module functions under their names in .NET casing, and the
    /// host's constants (<c>Net.AF_INET</c>, ...), read from the native library at load time.
    /// </summary>
    public static partial class Net
    {
        internal delegate int TextCall(IntPtr buffer, nuint length, out nuint needed);

        /// <summary>The native library's version, e.g. "1.0.0".</summary>
        public static string Version => Marshal.PtrToStringUTF8(PolysockNative.net_version()) ?? "";

        /// <summary>The native library's ABI generation.</summary>
        public static int AbiVersion => PolysockNative.net_abi_version();

        /// <summary>Every constant the native library knows, by name (without the NET_ prefix).</summary>
        public static IReadOnlyDictionary<string, long> Constants => ConstantTable.All;

        /// <summary>The host's value of a constant by name ("AF_INET" or "NET_AF_INET").</summary>
        public static long Constant(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            Errors.Check(PolysockNative.net_constant(name, out long value));
            return value;
        }

        /// <summary>The static name of a C ABI status code, e.g. "SOCK_ERR_TIMEOUT".</summary>
        public static string StatusName(int status) => Marshal.PtrToStringUTF8(PolysockNative.sock_strerror(status)) ?? "";

        // A string result: a first try on the stack, then the size the call asked for.
        internal static unsafe string ReadText(TextCall call)
        {
            byte* stack = stackalloc byte[1100];
            int st = call((IntPtr)stack, 1100, out nuint n);
            if (st == Errors.ErrRange)
            {
                byte[] heap = new byte[(int)n];
                fixed (byte* p = heap)
                {
                    Errors.Check(call((IntPtr)p, n, out n));
                    return Polysock.Text.Decode(p, heap.Length);
                }
            }
            if (st < 0)
            {
                throw Errors.Capture(st);
            }
            return Polysock.Text.Decode(stack, 1100);
        }

        // ---- sockets ----

        /// <summary>socketpair(family, type, proto): two connected sockets (AF_UNIX by default).</summary>
        public static (Socket, Socket) SocketPair(int family = -1, int type = -1, int proto = 0)
        {
            Errors.Check(PolysockNative.net_socketpair(family < 0 ? AF_UNIX : family, type < 0 ? SOCK_STREAM : type, proto, out ulong a, out ulong b));
            return (new Socket(a), new Socket(b));
        }

        /// <summary>fromfd(fd, family, type, proto): a new socket on a duplicate of fd (negative values are read from it).</summary>
        public static Socket FromFd(int fd, int family = -1, int type = -1, int proto = -1)
        {
            Errors.Check(PolysockNative.net_fromfd(fd, family, type, proto, out ulong h));
            return new Socket(h);
        }

        /// <summary>create_connection((host, port)) with the module default timeout.</summary>
        public static Socket CreateConnection(string host, int port)
        {
            ArgumentNullException.ThrowIfNull(host);
            Errors.Check(PolysockNative.net_create_connection(host, port, -2.0, null, 0, out ulong h));
            return new Socket(h);
        }

        /// <summary>create_connection((host, port), timeout, source_address): timeout null blocks (None).</summary>
        public static Socket CreateConnection(string host, int port, double? timeout, string? sourceHost = null, int sourcePort = 0)
        {
            ArgumentNullException.ThrowIfNull(host);
            double t = Errors.Timeout(timeout);
            Errors.Check(PolysockNative.net_create_connection(host, port, t, sourceHost, sourcePort, out ulong h));
            return new Socket(h);
        }

        /// <summary>create_connection with a TimeSpan timeout.</summary>
        public static Socket CreateConnection(string host, int port, TimeSpan timeout, string? sourceHost = null, int sourcePort = 0) =>
            CreateConnection(host, port, timeout.TotalSeconds, sourceHost, sourcePort);

        /// <summary>create_server((host, port), family, backlog, reuse_port, dualstack_ipv6): a listening stream socket.</summary>
        public static Socket CreateServer(string host, int port, int family = 0, int backlog = -1, bool reusePort = false, bool dualstackIpv6 = false)
        {
            ArgumentNullException.ThrowIfNull(host);
            Errors.Check(PolysockNative.net_create_server(host, port, family, backlog, reusePort ? 1 : 0, dualstackIpv6 ? 1 : 0, out ulong h));
            return new Socket(h);
        }

        /// <summary>getdefaulttimeout(): null is None (blocking).</summary>
        public static double? GetDefaultTimeout()
        {
            Errors.Check(PolysockNative.net_getdefaulttimeout(out double t));
            return Errors.FromNative(t);
        }

        /// <summary>setdefaulttimeout(seconds): null is None.</summary>
        public static void SetDefaultTimeout(double? seconds) => Errors.Check(PolysockNative.net_setdefaulttimeout(Errors.Timeout(seconds)));

        /// <summary>setdefaulttimeout as a TimeSpan.</summary>
        public static void SetDefaultTimeout(TimeSpan timeout) => SetDefaultTimeout(timeout.TotalSeconds);

        /// <summary>has_dualstack_ipv6().</summary>
        public static bool HasDualstackIpv6()
        {
            Errors.Check(PolysockNative.net_has_dualstack_ipv6(out int flag));
            return flag != 0;
        }

        // ---- names and services ----

        /// <summary>gethostname().</summary>
        public static string GetHostName() => ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_gethostname(b, l, out n));

        /// <summary>gethostbyname(name): an IPv4 address as text.</summary>
        public static string GetHostByName(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            return ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_gethostbyname(name, b, l, out n));
        }

        /// <summary>gethostbyname_ex(name): (name, aliases, addresses).</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Python's name")]
        public static HostEntry GetHostByNameEx(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            Errors.Check(PolysockNative.net_gethostbyname_ex(name, out IntPtr he));
            return ReadHostEntry(he);
        }

        /// <summary>gethostbyaddr(ip): (name, aliases, addresses).</summary>
        public static HostEntry GetHostByAddr(string ip)
        {
            ArgumentNullException.ThrowIfNull(ip);
            Errors.Check(PolysockNative.net_gethostbyaddr(ip, out IntPtr he));
            return ReadHostEntry(he);
        }

        private static HostEntry ReadHostEntry(IntPtr he)
        {
            try
            {
                string name = ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_hostent_name(he, b, l, out n));
                Errors.Check(PolysockNative.net_hostent_alias_count(he, out nuint aliasCount));
                var aliases = new List<string>();
                for (nuint i = 0; i < aliasCount; i++)
                {
                    nuint k = i;
                    aliases.Add(ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_hostent_alias(he, k, b, l, out n)));
                }
                Errors.Check(PolysockNative.net_hostent_address_count(he, out nuint addressCount));
                var addresses = new List<string>();
                for (nuint i = 0; i < addressCount; i++)
                {
                    nuint k = i;
                    addresses.Add(ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_hostent_address(he, k, b, l, out n)));
                }
                return new HostEntry(name, aliases, addresses);
            }
            finally
            {
                PolysockNative.net_hostent_free(he);
            }
        }

        /// <summary>getfqdn(name): this host for "" (the default).</summary>
        public static string GetFqdn(string name = "")
        {
            ArgumentNullException.ThrowIfNull(name);
            return ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_getfqdn(name, b, l, out n));
        }

        /// <summary>getaddrinfo(host, port, family, type, proto, flags): host and port may be null (None).</summary>
        public static unsafe IReadOnlyList<AddrInfo> GetAddrInfo(string? host, string? port, int family = 0, int type = 0, int proto = 0, int flags = 0)
        {
            Errors.Check(PolysockNative.net_getaddrinfo(host, port, family, type, proto, flags, out IntPtr list));
            try
            {
                Errors.Check(PolysockNative.net_addrinfo_count(list, out nuint count));
                var result = new List<AddrInfo>((int)count);
                for (nuint i = 0; i < count; i++)
                {
                    RawAddrInfo raw;
                    Errors.Check(PolysockNative.net_addrinfo_get(list, i, (IntPtr)(&raw)));
                    result.Add(new AddrInfo(raw.Family, raw.Type, raw.Proto, Polysock.Text.Decode(raw.CanonName, 256), SocketAddress.FromRaw(raw.Address)));
                }
                return result;
            }
            finally
            {
                PolysockNative.net_addrinfo_free(list);
            }
        }

        /// <summary>getaddrinfo with a numeric port.</summary>
        public static IReadOnlyList<AddrInfo> GetAddrInfo(string? host, int port, int family = 0, int type = 0, int proto = 0, int flags = 0) =>
            GetAddrInfo(host, port.ToString(System.Globalization.CultureInfo.InvariantCulture), family, type, proto, flags);

        /// <summary>getnameinfo((host, port), flags): host must be numeric.</summary>
        public static unsafe NameInfo GetNameInfo(string host, int port, int flags)
        {
            ArgumentNullException.ThrowIfNull(host);
            byte* h = stackalloc byte[1025];
            byte* s = stackalloc byte[32];
            Errors.Check(PolysockNative.net_getnameinfo(host, port, flags, (IntPtr)h, 1025, (IntPtr)s, 32));
            return new NameInfo(Polysock.Text.Decode(h, 1025), Polysock.Text.Decode(s, 32));
        }

        /// <summary>getnameinfo(sockaddr, flags) with a full address (AF_INET6: flowinfo and scope_id).</summary>
        public static unsafe NameInfo GetNameInfo(SocketAddress address, int flags)
        {
            ArgumentNullException.ThrowIfNull(address);
            RawAddress raw = address.ToRaw();
            byte* h = stackalloc byte[1025];
            byte* s = stackalloc byte[32];
            Errors.Check(PolysockNative.net_getnameinfo_address((IntPtr)(&raw), flags, (IntPtr)h, 1025, (IntPtr)s, 32));
            return new NameInfo(Polysock.Text.Decode(h, 1025), Polysock.Text.Decode(s, 32));
        }

        /// <summary>getservbyname(name, proto): proto null means any.</summary>
        public static int GetServByName(string name, string? proto = null)
        {
            ArgumentNullException.ThrowIfNull(name);
            Errors.Check(PolysockNative.net_getservbyname(name, proto, out int port));
            return port;
        }

        /// <summary>getservbyport(port, proto): proto null means any.</summary>
        public static string GetServByPort(int port, string? proto = null) =>
            ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_getservbyport(port, proto, b, l, out n));

        /// <summary>getprotobyname(name).</summary>
        public static int GetProtoByName(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            Errors.Check(PolysockNative.net_getprotobyname(name, out int proto));
            return proto;
        }

        // ---- byte order ----

        /// <summary>htons(x): 0..65535, else ArgumentException with Python's OverflowError text.</summary>
        public static long Htons(long x)
        {
            Errors.Check(PolysockNative.net_htons(x, out long r));
            return r;
        }

        /// <summary>ntohs(x).</summary>
        public static long Ntohs(long x)
        {
            Errors.Check(PolysockNative.net_ntohs(x, out long r));
            return r;
        }

        /// <summary>htonl(x): 0..2**32-1.</summary>
        public static long Htonl(long x)
        {
            Errors.Check(PolysockNative.net_htonl(x, out long r));
            return r;
        }

        /// <summary>ntohl(x).</summary>
        public static long Ntohl(long x)
        {
            Errors.Check(PolysockNative.net_ntohl(x, out long r));
            return r;
        }

        // ---- addresses ----

        /// <summary>inet_aton(s): 4 packed bytes.</summary>
        public static unsafe byte[] InetAton(string s)
        {
            ArgumentNullException.ThrowIfNull(s);
            byte[] packed = new byte[4];
            fixed (byte* p = packed)
            {
                Errors.Check(PolysockNative.net_inet_aton(s, (IntPtr)p));
            }
            return packed;
        }

        /// <summary>inet_ntoa(packed): the text of 4 packed bytes.</summary>
        public static unsafe string InetNtoa(ReadOnlySpan<byte> packed)
        {
            byte* text = stackalloc byte[16];
            fixed (byte* p = packed)
            {
                Errors.Check(PolysockNative.net_inet_ntoa(Socket.Ptr(p), (nuint)packed.Length, (IntPtr)text, 16));
            }
            return Polysock.Text.Decode(text, 16);
        }

        /// <summary>inet_pton(af, s): 4 or 16 packed bytes.</summary>
        public static unsafe byte[] InetPton(int af, string s)
        {
            ArgumentNullException.ThrowIfNull(s);
            byte* packed = stackalloc byte[16];
            Errors.Check(PolysockNative.net_inet_pton(af, s, (IntPtr)packed, 16, out nuint n));
            return new ReadOnlySpan<byte>(packed, (int)n).ToArray();
        }

        /// <summary>inet_ntop(af, packed): the text of a 4- or 16-byte address.</summary>
        public static unsafe string InetNtop(int af, ReadOnlySpan<byte> packed)
        {
            byte* text = stackalloc byte[46];
            fixed (byte* p = packed)
            {
                Errors.Check(PolysockNative.net_inet_ntop(af, Socket.Ptr(p), (nuint)packed.Length, (IntPtr)text, 46));
            }
            return Polysock.Text.Decode(text, 46);
        }

        // ---- interfaces ----

        /// <summary>if_nameindex(): every network interface.</summary>
        public static unsafe IReadOnlyList<NetInterface> IfNameIndex()
        {
            Errors.Check(PolysockNative.net_if_nameindex(out IntPtr list));
            try
            {
                Errors.Check(PolysockNative.net_if_nameindex_count(list, out nuint count));
                var result = new List<NetInterface>((int)count);
                for (nuint i = 0; i < count; i++)
                {
                    RawInterface raw;
                    Errors.Check(PolysockNative.net_if_nameindex_get(list, i, (IntPtr)(&raw)));
                    result.Add(new NetInterface(raw.Index, Polysock.Text.Decode(raw.Name, 64)));
                }
                return result;
            }
            finally
            {
                PolysockNative.net_if_nameindex_free(list);
            }
        }

        /// <summary>if_nametoindex(name).</summary>
        public static uint IfNameToIndex(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            Errors.Check(PolysockNative.net_if_nametoindex(name, out uint index));
            return index;
        }

        /// <summary>if_indextoname(index).</summary>
        public static string IfIndexToName(long index) =>
            ReadText((IntPtr b, nuint l, out nuint n) => PolysockNative.net_if_indextoname(index, b, l, out n));
    }
}
