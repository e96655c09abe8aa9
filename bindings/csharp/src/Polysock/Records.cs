using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Polysock.Native;

namespace Polysock
{
    /// <summary>
    /// A socket address, as Python's address tuples: (host, port) for AF_INET, (host,
    /// port, flowinfo, scope_id) for AF_INET6, the path for AF_UNIX ("@name" if abstract).
    /// </summary>
    public sealed record SocketAddress(int Family, string Host, int Port, uint FlowInfo = 0, uint ScopeId = 0)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            Family == Net.AF_UNIX ? Host : Family == Net.AF_INET6 ? $"('{Host}', {Port}, {FlowInfo}, {ScopeId})" : $"('{Host}', {Port})";

        internal static unsafe SocketAddress FromRaw(in RawAddress raw)
        {
            fixed (byte* host = raw.Host)
            {
                return new SocketAddress(raw.Family, Text.Decode(host, 256), raw.Port, raw.FlowInfo, raw.ScopeId);
            }
        }

        internal unsafe RawAddress ToRaw()
        {
            var raw = new RawAddress { Family = Family, Port = Port, FlowInfo = FlowInfo, ScopeId = ScopeId };
            int n = Encoding.UTF8.GetByteCount(Host);
            if (n > 255)
            {
                throw new ArgumentException("host name too long");
            }
            Encoding.UTF8.GetBytes(Host, new Span<byte>(raw.Host, 255));
            return raw;
        }
    }

    /// <summary>One getaddrinfo() result: Python's (family, type, proto, canonname, sockaddr).</summary>
    public sealed record AddrInfo(int Family, int Type, int Proto, string CanonName, SocketAddress Address);

    /// <summary>A host entry: Python's (hostname, aliaslist, ipaddrlist).</summary>
    public sealed record HostEntry(string Name, IReadOnlyList<string> Aliases, IReadOnlyList<string> Addresses);

    /// <summary>One network interface: Python's (index, name).</summary>
    public sealed record NetInterface(uint Index, string Name);

    /// <summary>getnameinfo()'s (host, port) result.</summary>
    public sealed record NameInfo(string Host, string Service);

    /// <summary>
    /// One ancillary data item of <see cref="Socket.SendMsg(IReadOnlyList{ReadOnlyMemory{byte}}, IReadOnlyList{AncillaryItem}?, int, string?, int)"/> and <see cref="Socket.RecvMsg"/>:
    /// Python's (cmsg_level, cmsg_type, cmsg_data), e.g. (<c>Net.SOL_SOCKET</c>,
    /// <c>Net.SCM_RIGHTS</c>, the descriptors as native-endian 4-byte ints).
    /// </summary>
    public sealed record AncillaryItem(int Level, int Type, byte[] Data);

    /// <summary>One failed attempt of <see cref="Net.CreateConnection(string, int, double?, string?, int, double?, int?, bool)"/>: where it went and its error.</summary>
    public sealed record ConnectionAttempt(SocketAddress? Address, Exception Error);

    /// <summary>The C ABI's sock_address (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawAddress
    {
        public int Family;
        public fixed byte Host[256];
        public int Port;
        public uint FlowInfo;
        public uint ScopeId;
    }

    /// <summary>The C ABI's net_addrinfo (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawAddrInfo
    {
        public int Family;
        public int Type;
        public int Proto;
        public fixed byte CanonName[256];
        public RawAddress Address;
    }

    /// <summary>The C ABI's net_if_entry (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawInterface
    {
        public uint Index;
        public fixed byte Name[64];
    }

    /// <summary>The C ABI's sock_event (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RawEvent
    {
        public ulong Handle;
        public uint Events;
        public ulong UserData;
    }

    /// <summary>The C ABI's sock_iovec (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RawIovec
    {
        public IntPtr Data;
        public nuint Len;
    }

    /// <summary>The C ABI's sock_cmsg (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RawCmsg
    {
        public int Level;
        public int Type;
        public IntPtr Data;
        public nuint Len;
    }

    /// <summary>The C ABI's sock_msg_info (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RawMsgInfo
    {
        public nuint NBytes;
        public nuint AncDataLen;
        public int MsgFlags;
        public RawAddress Address;
    }

    /// <summary>The C ABI's net_connect_error (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawConnectError
    {
        public RawAddress Address;
        public int Status;
        public int Err;
        public fixed byte Message[256];
    }

    internal static class Text
    {
        /// <summary>A NUL-terminated UTF-8 string of at most max bytes.</summary>
        internal static unsafe string Decode(byte* s, int max)
        {
            var span = new ReadOnlySpan<byte>(s, max);
            int end = span.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
        }
    }
}

namespace Polysock
{
    /// <summary>The C ABI's tls_error_info (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawTlsErrorInfo
    {
        public int Kind;
        public fixed byte Library[32];
        public fixed byte Reason[64];
        public int VerifyCode;
        public fixed byte VerifyMessage[256];
    }

    /// <summary>The C ABI's tls_cipher_info (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawCipherInfo
    {
        public fixed byte Name[64];
        public fixed byte Protocol[16];
        public int SecretBits;
    }

    /// <summary>The C ABI's tls_cert_info (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawCertInfo
    {
        public int Validated;
        public int Version;
        public fixed byte SerialNumber[80];
        public fixed byte NotBefore[32];
        public fixed byte NotAfter[32];
    }

    /// <summary>The C ABI's tls_cert_entry (blittable).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct RawCertEntry
    {
        public int Rdn;
        public fixed byte Name[64];
        public fixed byte Value[1024];
    }

    /// <summary>This thread's tls_last_error(), read by <see cref="Errors.Capture"/> right after a SOCK_ERR_SSL.</summary>
    internal readonly record struct TlsErrorDetail(string? Library, string? Reason, int VerifyCode, string VerifyMessage)
    {
        internal static unsafe TlsErrorDetail Read()
        {
            RawTlsErrorInfo raw;
            if (PolysockNative.tls_last_error((IntPtr)(&raw)) < 0)
            {
                return new TlsErrorDetail(null, null, 0, "");
            }
            string library = Text.Decode(raw.Library, 32);
            string reason = Text.Decode(raw.Reason, 64);
            return new TlsErrorDetail(library.Length == 0 ? null : library, reason.Length == 0 ? null : reason,
                raw.VerifyCode, Text.Decode(raw.VerifyMessage, 256));
        }
    }
}
