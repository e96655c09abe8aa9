using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;
using Polysock;
using Sys = System.Net.Sockets;

/// <summary>
/// "PolysockBench eagain-parts [calls=N] [rounds=R]": not a suite case (bench/run.sh does
/// not run it; it prints no RESULT). Where the time of a would-block recv goes in C#: the
/// same 64-byte non-blocking recv that finds no data, made by peeling layers off
/// polysock's Socket.TryRecvInto down to libc's recv, next to System.Net's Receive(...,
/// out SocketError) and polysock's RecvInto with a caught BlockingIOException. Each
/// variant runs `calls` calls per round (the exception one a fifth of that) in an order
/// that rotates from round to round, after a warm-up of a quarter; every call is checked.
/// Prints one "PART <ns median> <ns min> <ns max> <variant>" line per variant.
/// </summary>
internal static unsafe class EagainParts
{
    // A name of its own, resolved to the very libpolysock.so.1 that the binding's SWIG
    // wrapper loaded (runtimes/linux-x64/native, its RPATH $ORIGIN): another copy would
    // have a handle table of its own, without the binding's sockets.
    private const string Lib = "polysock-parts";
    private const int MsgDontWait = 0x40;

    [DllImport(Lib, EntryPoint = "sock_recv")]
    private static extern int SockRecvOut(ulong h, IntPtr buffer, nuint size, int flags, out nuint received);

    [DllImport(Lib, EntryPoint = "sock_recv")]
    private static extern int SockRecvPtr(ulong h, IntPtr buffer, nuint size, int flags, nuint* received);

    [DllImport(Lib, EntryPoint = "sock_last_errno")]
    private static extern int SockLastErrno();

    [DllImport("libc.so.6", EntryPoint = "recv")]
    private static extern nint LibcRecv(int fd, IntPtr buffer, nuint size, int flags);

    private static readonly byte[] s_buffer = new byte[64];

    internal static int Run(long calls, int rounds)
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libpolysock.so.1");
        NativeLibrary.SetDllImportResolver(typeof(EagainParts).Assembly,
            (name, assembly, path) => name == Lib ? NativeLibrary.Load(native) : IntPtr.Zero);
        int eagain = Net.EAGAIN;

        using Polysock.Socket listener = Net.CreateServer("127.0.0.1", 0);
        using Polysock.Socket client = Net.CreateConnection("127.0.0.1", listener.GetSockName().Port);
        (Polysock.Socket accepted, _) = listener.Accept();
        using Polysock.Socket peer = accepted;
        client.SetBlocking(false);
        using var sysListener = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        sysListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sysListener.Listen();
        using var sysClient = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        sysClient.Connect(sysListener.LocalEndPoint!);
        using Sys.Socket sysPeer = sysListener.Accept();
        sysClient.Blocking = false;

        int fd = client.Fileno();
        ulong h = client.Handle.Value;
        SocketHandle handle = client.Handle;
        var variants = new (string Name, long Calls, Func<long, long> Run)[]
        {
            ("libc recv(fd, MSG_DONTWAIT) by DllImport, errno by Marshal.GetLastSystemError", calls, n => Libc(fd, n, eagain)),
            ("C ABI sock_recv(nuint*) + sock_last_errno by DllImport (blittable, inlined)", calls, n => DirectPointer(h, n, eagain)),
            ("C ABI sock_recv(out nuint) + sock_last_errno by DllImport (IL stub, SWIG's default)", calls, n => DirectOut(h, n, eagain)),
            ("C ABI sock_recv(nuint*) + SafeHandle DangerousAddRef/DangerousRelease", calls, n => DirectCounted(handle, n, eagain)),
            ("polysock Socket.TryRecvInto (+ the SWIG wrapper, IsClosed)", calls, n => Try(client, n)),
            ("System.Net Receive(Span<byte>, SocketFlags, out SocketError)", calls, n => SystemNet(sysClient, n)),
            ("polysock Socket.RecvInto + catch BlockingIOException", Math.Max(1, calls / 5), n => Thrown(client, n)),
        };
        var times = new List<double>[variants.Length];
        for (int v = 0; v < variants.Length; v++)
        {
            times[v] = new List<double>();
            Check(variants[v].Name, Math.Max(1, variants[v].Calls / 4), variants[v].Run);
        }
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < variants.Length; k++)
            {
                var (name, n, run) = variants[(k + r) % variants.Length];
                long start = Stopwatch.GetTimestamp();
                Check(name, n, run);
                times[(k + r) % variants.Length].Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / n);
            }
        }
        for (int v = 0; v < variants.Length; v++)
        {
            times[v].Sort();
            FormattableString line = $"PART {times[v][rounds / 2]:F1} {times[v][0]:F1} {times[v][^1]:F1} {variants[v].Name}";
            Console.WriteLine(FormattableString.Invariant(line));
        }
        return 0;
    }

    private static void Check(string name, long calls, Func<long, long> run)
    {
        long wouldBlock = run(calls);
        if (wouldBlock != calls)
        {
            throw new InvalidOperationException($"{name}: {wouldBlock} would-blocks in {calls} calls");
        }
    }

    private static long Libc(int fd, long calls, int eagain)
    {
        long wouldBlock = 0;
        fixed (byte* p = s_buffer)
        {
            for (long i = 0; i < calls; i++)
            {
                if (LibcRecv(fd, (IntPtr)p, 64, MsgDontWait) < 0 && Marshal.GetLastSystemError() == eagain)
                {
                    wouldBlock++;
                }
            }
        }
        return wouldBlock;
    }

    private static long DirectPointer(ulong h, long calls, int eagain)
    {
        long wouldBlock = 0;
        nuint received;
        fixed (byte* p = s_buffer)
        {
            for (long i = 0; i < calls; i++)
            {
                if (SockRecvPtr(h, (IntPtr)p, 64, 0, &received) < 0 && SockLastErrno() == eagain)
                {
                    wouldBlock++;
                }
            }
        }
        return wouldBlock;
    }

    private static long DirectOut(ulong h, long calls, int eagain)
    {
        long wouldBlock = 0;
        fixed (byte* p = s_buffer)
        {
            for (long i = 0; i < calls; i++)
            {
                if (SockRecvOut(h, (IntPtr)p, 64, 0, out _) < 0 && SockLastErrno() == eagain)
                {
                    wouldBlock++;
                }
            }
        }
        return wouldBlock;
    }

    private static long DirectCounted(SocketHandle handle, long calls, int eagain)
    {
        long wouldBlock = 0;
        nuint received;
        fixed (byte* p = s_buffer)
        {
            for (long i = 0; i < calls; i++)
            {
                bool added = false;
                try
                {
                    handle.DangerousAddRef(ref added);
                    if (SockRecvPtr(handle.Value, (IntPtr)p, 64, 0, &received) < 0 && SockLastErrno() == eagain)
                    {
                        wouldBlock++;
                    }
                }
                finally
                {
                    if (added)
                    {
                        handle.DangerousRelease();
                    }
                }
            }
        }
        return wouldBlock;
    }

    private static long Try(Polysock.Socket client, long calls)
    {
        long wouldBlock = 0;
        for (long i = 0; i < calls; i++)
        {
            if (!client.TryRecvInto(s_buffer, out _))
            {
                wouldBlock++;
            }
        }
        return wouldBlock;
    }

    private static long SystemNet(Sys.Socket client, long calls)
    {
        long wouldBlock = 0;
        for (long i = 0; i < calls; i++)
        {
            client.Receive(s_buffer.AsSpan(), Sys.SocketFlags.None, out Sys.SocketError error);
            if (error == Sys.SocketError.WouldBlock)
            {
                wouldBlock++;
            }
        }
        return wouldBlock;
    }

    private static long Thrown(Polysock.Socket client, long calls)
    {
        long wouldBlock = 0;
        for (long i = 0; i < calls; i++)
        {
            try
            {
                client.RecvInto(s_buffer);
            }
            catch (BlockingIOException)
            {
                wouldBlock++;
            }
        }
        return wouldBlock;
    }
}
