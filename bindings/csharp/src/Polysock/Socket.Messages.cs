using System;
using System.Buffers;
using System.Collections.Generic;
using Polysock.Native;

namespace Polysock
{
    public sealed partial class Socket
    {
        // Up to this many buffers, ancillary items or descriptors go in on the stack.
        private const int StackItems = 16;

        /// <summary>
        /// sendmsg(buffers, ancdata, flags, address): sends the buffers as one message
        /// (gathered by the kernel, no copy: each buffer is pinned for the call) with the
        /// ancillary items; host null means no address (a connected socket), else
        /// (host, port) as for <see cref="SendTo(ReadOnlySpan{byte}, string, int, int)"/>.
        /// Returns the bytes sent. Timeouts, signals and close work as for
        /// <see cref="Send(ReadOnlySpan{byte}, int)"/>; never raises SIGPIPE.
        /// </summary>
        public int SendMsg(IReadOnlyList<ReadOnlyMemory<byte>> buffers, IReadOnlyList<AncillaryItem>? ancdata = null,
            int flags = 0, string? host = null, int port = 0)
        {
            ArgumentNullException.ThrowIfNull(buffers);
            return (int)SendMessage(buffers, ancdata ?? Array.Empty<AncillaryItem>(), null, flags, host, port);
        }

        /// <summary>sendmsg(buffers, ancdata, flags, address) to an address.</summary>
        public int SendMsg(IReadOnlyList<ReadOnlyMemory<byte>> buffers, IReadOnlyList<AncillaryItem>? ancdata, int flags, SocketAddress address)
        {
            ArgumentNullException.ThrowIfNull(address);
            return SendMsg(buffers, ancdata, flags, address.Host, address.Port);
        }

        /// <summary>
        /// recvmsg(bufsize, ancbufsize, flags): up to bufsize bytes, the ancillary items
        /// that fit in ancbufsize bytes of control data (size it with
        /// <see cref="Net.CmsgSpace"/>), the message flags (<c>Net.MSG_TRUNC</c>,
        /// <c>Net.MSG_CTRUNC</c>, ...) and the sender (null if none, e.g. a connected
        /// stream). Descriptors received with SCM_RIGHTS are close-on-exec and the caller's.
        /// </summary>
        public unsafe (byte[] Data, IReadOnlyList<AncillaryItem> AncData, int MsgFlags, SocketAddress? Address) RecvMsg(
            int bufsize, int ancbufsize = 0, int flags = 0)
        {
            if (bufsize < 0)
            {
                throw new ArgumentException("negative buffer size in recvmsg()");
            }
            CheckAncBufSize(ancbufsize);
            byte[] data = new byte[bufsize];
            fixed (byte* p = data)
            {
                RawIovec* iov = stackalloc RawIovec[1];
                iov[0] = new RawIovec { Data = Ptr(p), Len = (nuint)bufsize };
                (int n, IReadOnlyList<AncillaryItem> anc, int msgFlags, SocketAddress? address) = ReceiveMessage(iov, 1, ancbufsize, flags);
                if (n < bufsize)
                {
                    Array.Resize(ref data, n);
                }
                return (data, anc, msgFlags, address);
            }
        }

        /// <summary>
        /// recvmsg_into(buffers, ancbufsize, flags): scatters the message into the caller's
        /// buffers in order (no copy: each is pinned for the call); returns the bytes
        /// received, the ancillary items, the message flags and the sender, as
        /// <see cref="RecvMsg"/>.
        /// </summary>
        public unsafe (int Count, IReadOnlyList<AncillaryItem> AncData, int MsgFlags, SocketAddress? Address) RecvMsgInto(
            IReadOnlyList<Memory<byte>> buffers, int ancbufsize = 0, int flags = 0)
        {
            ArgumentNullException.ThrowIfNull(buffers);
            CheckAncBufSize(ancbufsize);
            int count = buffers.Count;
            Span<RawIovec> iov = count <= StackItems ? stackalloc RawIovec[StackItems] : new RawIovec[count];
            var pins = new MemoryHandle[count];
            try
            {
                for (int i = 0; i < count; i++)
                {
                    Memory<byte> b = buffers[i];
                    pins[i] = b.Pin();
                    iov[i] = new RawIovec { Data = Ptr((byte*)pins[i].Pointer), Len = (nuint)b.Length };
                }
                fixed (RawIovec* v = iov)
                {
                    return ReceiveMessage(v, count, ancbufsize, flags);
                }
            }
            finally
            {
                Unpin(pins);
            }
        }

        private static void CheckAncBufSize(int ancbufsize)
        {
            if (ancbufsize < 0)
            {
                throw new ArgumentException("invalid ancillary data buffer length");
            }
        }

        private static void Unpin(MemoryHandle[] pins)
        {
            foreach (MemoryHandle pin in pins)
            {
                pin.Dispose();
            }
        }

        /// <summary>sock_sendmsg, or sock_send_fds when fds is not null: the buffers and items pinned for the call.</summary>
        internal unsafe nuint SendMessage(IReadOnlyList<ReadOnlyMemory<byte>> buffers, IReadOnlyList<AncillaryItem> ancdata,
            IReadOnlyList<int>? fds, int flags, string? host, int port)
        {
            int count = buffers.Count;
            int nanc = ancdata.Count;
            int nfds = fds?.Count ?? 0;
            Span<RawIovec> iov = count <= StackItems ? stackalloc RawIovec[StackItems] : new RawIovec[count];
            Span<RawCmsg> cmsg = nanc <= StackItems ? stackalloc RawCmsg[StackItems] : new RawCmsg[nanc];
            Span<int> fdArray = nfds <= StackItems ? stackalloc int[StackItems] : new int[nfds];
            var pins = new MemoryHandle[count + nanc];
            ulong h = AddRef(out bool added);
            try
            {
                for (int i = 0; i < count; i++)
                {
                    ReadOnlyMemory<byte> b = buffers[i];
                    pins[i] = b.Pin();
                    iov[i] = new RawIovec { Data = Ptr((byte*)pins[i].Pointer), Len = (nuint)b.Length };
                }
                for (int i = 0; i < nanc; i++)
                {
                    AncillaryItem item = ancdata[i] ?? throw new ArgumentException("ancillary data items must not be null");
                    byte[] data = item.Data ?? throw new ArgumentException("ancillary data must not be null");
                    pins[count + i] = data.AsMemory().Pin();
                    cmsg[i] = new RawCmsg { Level = item.Level, Type = item.Type, Data = Ptr((byte*)pins[count + i].Pointer), Len = (nuint)data.Length };
                }
                for (int i = 0; i < nfds; i++)
                {
                    fdArray[i] = fds![i];
                }
                nuint sent;
                int st;
                fixed (RawIovec* v = iov)
                fixed (RawCmsg* c = cmsg)
                fixed (int* f = fdArray)
                {
                    st = fds is null
                        ? PolysockNative.sock_sendmsg(h, (IntPtr)v, (nuint)count, (IntPtr)c, (nuint)nanc, flags, host, port, out sent)
                        : PolysockNative.sock_send_fds(h, (IntPtr)v, (nuint)count, (IntPtr)f, (nuint)nfds, flags, host, port, out sent);
                }
                if (st < 0)
                {
                    throw Errors.Capture(st);
                }
                return sent;
            }
            finally
            {
                Unpin(pins);
                Release(added);
            }
        }

        private unsafe (int Count, IReadOnlyList<AncillaryItem> AncData, int MsgFlags, SocketAddress? Address) ReceiveMessage(
            RawIovec* iov, int count, int ancbufsize, int flags)
        {
            // The control data goes into a buffer of ours; its items are copied out.
            byte[] anc = ancbufsize > 0 ? new byte[ancbufsize] : Array.Empty<byte>();
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* a = anc)
                {
                    RawMsgInfo info;
                    int st = PolysockNative.sock_recvmsg(h, (IntPtr)iov, (nuint)count, (IntPtr)a, (nuint)ancbufsize, flags, (IntPtr)(&info));
                    if (st < 0)
                    {
                        throw Errors.Capture(st);
                    }
                    return ((int)info.NBytes, ReadAncillary(a, info.AncDataLen), info.MsgFlags, MessageAddress(info.Address));
                }
            }
            finally
            {
                Release(added);
            }
        }

        internal static SocketAddress? MessageAddress(in RawAddress raw) => raw.Family == 0 ? null : SocketAddress.FromRaw(raw);

        private static unsafe IReadOnlyList<AncillaryItem> ReadAncillary(byte* anc, nuint length)
        {
            if (length == 0)
            {
                return Array.Empty<AncillaryItem>();
            }
            var items = new List<AncillaryItem>();
            nuint cursor = 0;
            for (; ; )
            {
                RawCmsg item;
                Errors.Check(PolysockNative.sock_cmsg_next((IntPtr)anc, length, ref cursor, (IntPtr)(&item), out int found));
                if (found == 0)
                {
                    return items;
                }
                var data = new ReadOnlySpan<byte>((void*)item.Data, checked((int)item.Len));
                items.Add(new AncillaryItem(item.Level, item.Type, data.ToArray()));
            }
        }

        /// <summary>sock_recv_fds: the data, the descriptors, the flags and the sender.</summary>
        internal unsafe (byte[] Data, int[] Fds, int MsgFlags, SocketAddress? Address) ReceiveFds(int bufsize, int maxfds, int flags)
        {
            byte[] data = new byte[bufsize];
            int[] fds = new int[maxfds];
            ulong h = AddRef(out bool added);
            try
            {
                fixed (byte* p = data)
                fixed (int* f = fds)
                {
                    RawMsgInfo info;
                    int* fdPtr = f == null ? (int*)Ptr(null) : f;
                    int st = PolysockNative.sock_recv_fds(h, Ptr(p), (nuint)bufsize, (IntPtr)fdPtr, (nuint)maxfds, flags, out nuint nfds, (IntPtr)(&info));
                    if (st < 0)
                    {
                        throw Errors.Capture(st);
                    }
                    int n = (int)info.NBytes;
                    if (n < bufsize)
                    {
                        Array.Resize(ref data, n);
                    }
                    if ((int)nfds < maxfds)
                    {
                        Array.Resize(ref fds, (int)nfds);
                    }
                    return (data, fds, info.MsgFlags, MessageAddress(info.Address));
                }
            }
            finally
            {
                Release(added);
            }
        }
    }
}
