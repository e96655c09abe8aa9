using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Polysock;
using Sys = System.Net.Sockets;

// The C# suite program of issue 18 (bench/run.sh drives it; the protocol is the same for
// every language): one (benchmark, implementation) case per invocation, measured once
// after a warm-up on its own connection, printed as one "RESULT <number>" line (plus
// "INFO ..." lines); the driver runs the rounds, rotates the order and compares.
//
// Implementations: polysock (the binding's sync API), polysock-async (its async API on the
// binding's engine), system (System.Net.Sockets sync; tls-bulk: SslStream over
// NetworkStream), system-async (SendAsync/ReceiveAsync; tls-bulk: SslStream
// WriteAsync/ReadAsync); echo-server: polysock is one thread on the binding's Poller,
// polysock-async and system-async are async/await per connection.
//
// Build (an optimised native library in a build tree of its own, from the repository root):
//   cmake -S . -B build/bench-cs -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSOCK_BUILD_CSHARP=ON \
//     -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF
//   cmake --build build/bench-cs --target polysock_nupkg
//   PolysockBuildDir=$PWD/build/bench-cs/bindings/csharp dotnet build -c Release bench/csharp/PolysockBench.csproj
// Run:
//   dotnet build/bench-cs/bindings/csharp/dotnet/bin/PolysockBench/Release/net10.0/PolysockBench.dll list
//   dotnet build/bench-cs/bindings/csharp/dotnet/bin/PolysockBench/Release/net10.0/PolysockBench.dll <bench> <impl> [key=value ...]
// e.g. "... PolysockBench.dll bulk polysock bytes=1073741824 chunk=65536",
//      "... PolysockBench.dll tls-bulk system cert=cert.pem key=key.pem p12=cert.p12".
// Keys and defaults: bulk bytes=1073741824 chunk=65536 (MiB/s); rtt trips=20000 size=64
// (us per round trip); connect count=5000 (connections/s); eagain calls=1000000 (ns per
// call); tls-bulk bytes=268435456 chunk=65536 cert=cert.pem key=key.pem p12=cert.p12
// (MiB/s; p12 is accepted for the driver's sake and not used: SslStream loads the PEM
// files); echo-server (no keys): prints "PORT <n>", echoes until stdin reaches EOF.
// Warm-up: max(work / 8, 2000 calls or chunks), at most the work itself, on its own
// connection (its own listener for connect). "INFO JIT after the warm-up" counts the
// methods compiled after it (about ten, 1 ms, are the result's printing). The sync
// harness loops are AggressiveOptimization: a loop that runs long in one call is
// otherwise compiled again (OSR) during the measurement, 10-40 ms of JIT on the one
// CPU of a pinned case.
// All cases of all languages, in rotating rounds: bench/run.sh (--only REGEX, --quick).
// echo-server at 10,000 connections needs `ulimit -n 20000` first (the driver raises it).
// eagain polysock: the binding's non-throwing Socket.TryRecvInto (false on would-block), as
// eagain system uses Receive(Span<byte>, SocketFlags, out SocketError); its INFO line says so.
// "PolysockBench eagain-parts [calls=N] [rounds=R]" is no suite case (EagainParts.cs): it
// splits a would-block recv's time into its layers, down to libc's recv.
internal static class Program
{
    private const long MinWarmCalls = 2000;

    private sealed record Case(string Bench, string Impl, Func<Options, Task<double>> Run);

    private static readonly Dictionary<string, Dictionary<string, string>> Defaults = new()
    {
        ["bulk"] = new() { ["bytes"] = "1073741824", ["chunk"] = "65536" },
        ["rtt"] = new() { ["trips"] = "20000", ["size"] = "64" },
        ["connect"] = new() { ["count"] = "5000" },
        ["eagain"] = new() { ["calls"] = "1000000" },
        ["tls-bulk"] = new() { ["bytes"] = "268435456", ["chunk"] = "65536", ["cert"] = "cert.pem", ["key"] = "key.pem", ["p12"] = "cert.p12" },
        ["echo-server"] = new(),
    };

    private static readonly Case[] Cases =
    {
        new("bulk", "polysock", o => Task.FromResult(Bulk(o, PolysockBulkSync))),
        new("bulk", "polysock-async", o => BulkAsync(o, PolysockBulkAsync)),
        new("bulk", "system", o => Task.FromResult(Bulk(o, SystemBulkSync))),
        new("bulk", "system-async", o => BulkAsync(o, SystemBulkAsync)),
        new("rtt", "polysock", o => Task.FromResult(Rtt(o, PolysockRttSync))),
        new("rtt", "polysock-async", o => RttAsync(o, PolysockRttAsync)),
        new("rtt", "system", o => Task.FromResult(Rtt(o, SystemRttSync))),
        new("rtt", "system-async", o => RttAsync(o, SystemRttAsync)),
        new("connect", "polysock", o => Task.FromResult(Connect(o, PolysockConnect))),
        new("connect", "system", o => Task.FromResult(Connect(o, SystemConnect))),
        new("eagain", "polysock", o => Task.FromResult(PolysockEagain(o))),
        new("eagain", "system", o => Task.FromResult(SystemEagain(o))),
        new("tls-bulk", "polysock", o => PolysockTlsBulk(o, async: false)),
        new("tls-bulk", "polysock-async", o => PolysockTlsBulk(o, async: true)),
        new("tls-bulk", "system", o => SystemTlsBulk(o, async: false)),
        new("tls-bulk", "system-async", o => SystemTlsBulk(o, async: true)),
        new("echo-server", "polysock", o => PolysockPollerEcho()),
        new("echo-server", "polysock-async", o => PolysockAsyncEcho()),
        new("echo-server", "system-async", o => SystemAsyncEcho()),
    };

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "list")
        {
            foreach (Case c in Cases)
            {
                Console.WriteLine($"{c.Bench} {c.Impl}");
            }
            return 0;
        }
        if (args.Length >= 1 && args[0] == "eagain-parts")
        {
            try
            {
                var parts = new Options(new() { ["calls"] = "1000000", ["rounds"] = "7" }, args.Skip(1));
                return EagainParts.Run(parts.Number("calls"), (int)parts.Number("rounds", 1000));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"eagain-parts: {e.Message}");
                return 2;
            }
        }
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: PolysockBench list | PolysockBench <bench> <impl> [key=value ...] | PolysockBench eagain-parts [calls=N] [rounds=R]");
            return 2;
        }
        Case? selected = Cases.FirstOrDefault(c => c.Bench == args[0] && c.Impl == args[1]);
        if (selected is null)
        {
            Console.Error.WriteLine($"unknown case \"{args[0]} {args[1]}\" (see: PolysockBench list)");
            return 2;
        }
        Options options;
        try
        {
            options = new Options(Defaults[selected.Bench], args.Skip(2));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{selected.Bench}: {e.Message}");
            return 2;
        }
        try
        {
            double result = await selected.Run(options);
            if (s_jitAfterWarmUp is (long methods, TimeSpan time))
            {
                long compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - methods;
                double ms = (System.Runtime.JitInfo.GetCompilationTime() - time).TotalMilliseconds;
                Console.WriteLine(FormattableString.Invariant($"INFO JIT after the warm-up: {compiled} methods, {ms:F1} ms (the result's printing included)"));
            }
            Console.WriteLine("RESULT " + result.ToString("F3", CultureInfo.InvariantCulture));
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or AuthenticationException
                                      or Sys.SocketException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine($"{selected.Bench} {selected.Impl} failed: {e}");
            return 1;
        }
    }

    /// <summary>The key=value arguments over a benchmark's defaults; an unknown key is an error.</summary>
    private sealed class Options
    {
        private readonly Dictionary<string, string> _values;

        public Options(Dictionary<string, string> defaults, IEnumerable<string> args)
        {
            _values = new Dictionary<string, string>(defaults);
            foreach (string arg in args)
            {
                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new ArgumentException($"expected key=value, got \"{arg}\"");
                }
                string key = arg[..eq];
                if (!defaults.TryGetValue(key, out string? fallback))
                {
                    throw new ArgumentException($"unknown key \"{key}\" (known: {string.Join(", ", defaults.Keys)})");
                }
                _values[key] = arg[(eq + 1)..];
                if (long.TryParse(fallback, CultureInfo.InvariantCulture, out _))
                {
                    Number(key);
                }
            }
        }

        public string Text(string key) => _values[key];

        public long Number(string key, long max = long.MaxValue)
        {
            if (!long.TryParse(_values[key], NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v <= 0 || v > max)
            {
                throw new ArgumentException($"{key}={_values[key]}: expected an integer from 1 to {max}");
            }
            return v;
        }
    }

    /// <summary>The JIT's counters at the end of the warm-up (WarmedUp), for the INFO line after the measurement.</summary>
    private static (long Methods, TimeSpan Time)? s_jitAfterWarmUp;

    private static void WarmedUp() =>
        s_jitAfterWarmUp = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());

    /// <summary>The warm-up's share of a case's work: an eighth, at least a few thousand calls (never more than the work).</summary>
    private static long Warm(long calls) => Math.Min(calls, Math.Max(calls / 8, MinWarmCalls));

    /// <summary>The warm-up of a transfer, in bytes: an eighth, at least a few thousand chunks (never more than the work).</summary>
    private static long WarmBytes(long bytes, int chunk) => Math.Min(bytes, Math.Max(bytes / 8, MinWarmCalls * chunk));

    private static double MiBPerSecond(long bytes, long startTicks, long endTicks) =>
        bytes / 1048576.0 / Stopwatch.GetElapsedTime(startTicks, endTicks).TotalSeconds;

    // ---- bulk: a sender thread (task) writes `bytes` in `chunk` sendalls, the receiver reads chunk-sized ----

    private static double Bulk(Options o, Func<long, int, double> run)
    {
        long bytes = o.Number("bytes");
        int chunk = (int)o.Number("chunk", 1 << 24);
        run(WarmBytes(bytes, chunk), chunk);
        WarmedUp();
        return run(bytes, chunk);
    }

    private static async Task<double> BulkAsync(Options o, Func<long, int, Task<double>> run)
    {
        long bytes = o.Number("bytes");
        int chunk = (int)o.Number("chunk", 1 << 24);
        await run(WarmBytes(bytes, chunk), chunk);
        WarmedUp();
        return await run(bytes, chunk);
    }

    private static (Polysock.Socket Client, Polysock.Socket Server) PolysockPair(bool noDelay)
    {
        using Polysock.Socket listener = Net.CreateServer("127.0.0.1", 0);
        Polysock.Socket client = Net.CreateConnection("127.0.0.1", listener.GetSockName().Port);
        Polysock.Socket server = listener.Accept().Connection;
        if (noDelay)
        {
            client.SetSockOpt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
            server.SetSockOpt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
        }
        return (client, server);
    }

    private static (Sys.Socket Client, Sys.Socket Server) SystemPair(bool noDelay)
    {
        using var listener = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var client = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        Sys.Socket server = listener.Accept();
        client.NoDelay = noDelay;
        server.NoDelay = noDelay;
        return (client, server);
    }

    private static void SendAll(Sys.Socket s, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[s.Send(data)..];
        }
    }

    private static async ValueTask SendAllAsync(Sys.Socket s, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[await s.SendAsync(data)..];
        }
    }

    private static int ChunkAt(long sent, long total, int chunk) => (int)Math.Min(chunk, total - sent);

    // A sync transfer: send(piece) on a thread that notes the time of its first call;
    // recv(buffer) here until total bytes came. The time from that first send to the last byte.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    // The transfer buffers: page-aligned pinned arrays, the same for every implementation.
    // Where a plain new byte[64 KiB] lands in the GC heap differs between one implementation's
    // run and another's, and the kernel's copy into and out of it moved with that by up to a
    // fifth (docs/benchmarks.md, "C# bulk: the buffers' alignment").
    private static Memory<byte> TransferBuffer(int n)
    {
        byte[] a = GC.AllocateArray<byte>(n + 4096, pinned: true);
        int skip = (int)(-Marshal.UnsafeAddrOfPinnedArrayElement(a, 0).ToInt64() & 4095);
        return a.AsMemory(skip, n);
    }

    private static double SyncTransfer(long total, int chunk, Action<ReadOnlySpan<byte>> send, Func<Memory<byte>, int> recv)
    {
        long start = 0;
        var sender = new Thread([MethodImpl(MethodImplOptions.AggressiveOptimization)] () =>
        {
            Memory<byte> data = TransferBuffer(chunk);
            Volatile.Write(ref start, Stopwatch.GetTimestamp());
            for (long sent = 0; sent < total; sent += chunk)
            {
                send(data.Span[..ChunkAt(sent, total, chunk)]);
            }
        });
        sender.Start();
        Memory<byte> buffer = TransferBuffer(chunk);
        for (long got = 0; got < total;)
        {
            int n = recv(buffer);
            if (n == 0)
            {
                throw new IOException($"end of stream after {got} of {total} bytes");
            }
            got += n;
        }
        long end = Stopwatch.GetTimestamp();
        sender.Join();
        return MiBPerSecond(total, Volatile.Read(ref start), end);
    }

    private static async Task<double> AsyncTransfer(long total, int chunk, Func<ReadOnlyMemory<byte>, ValueTask> send, Func<Memory<byte>, ValueTask<int>> recv)
    {
        long start = 0;
        Task sender = Task.Run(async () =>
        {
            Memory<byte> data = TransferBuffer(chunk);
            Volatile.Write(ref start, Stopwatch.GetTimestamp());
            for (long sent = 0; sent < total; sent += chunk)
            {
                await send(data[..ChunkAt(sent, total, chunk)]);
            }
        });
        Memory<byte> buffer = TransferBuffer(chunk);
        for (long got = 0; got < total;)
        {
            int n = await recv(buffer);
            if (n == 0)
            {
                throw new IOException($"end of stream after {got} of {total} bytes");
            }
            got += n;
        }
        long end = Stopwatch.GetTimestamp();
        await sender;
        return MiBPerSecond(total, Volatile.Read(ref start), end);
    }

    private static double PolysockBulkSync(long total, int chunk)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair(noDelay: false);
        using (client)
        using (server)
        {
            return SyncTransfer(total, chunk, d => client.SendAll(d), b => server.RecvInto(b.Span));
        }
    }

    private static async Task<double> PolysockBulkAsync(long total, int chunk)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair(noDelay: false);
        using (client)
        using (server)
        {
            return await AsyncTransfer(total, chunk, d => client.SendAllAsync(d), b => server.RecvIntoAsync(b));
        }
    }

    private static double SystemBulkSync(long total, int chunk)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair(noDelay: false);
        using (client)
        using (server)
        {
            return SyncTransfer(total, chunk, d => SendAll(client, d), b => server.Receive(b.Span));
        }
    }

    private static async Task<double> SystemBulkAsync(long total, int chunk)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair(noDelay: false);
        using (client)
        using (server)
        {
            return await AsyncTransfer(total, chunk, d => SendAllAsync(client, d), b => server.ReceiveAsync(b));
        }
    }

    // ---- rtt: TCP_NODELAY; an echo thread (task) reads exactly size bytes and writes them back ----

    private static double Rtt(Options o, Func<int, int, double> run)
    {
        int trips = (int)o.Number("trips", int.MaxValue);
        int size = (int)o.Number("size", 1 << 24);
        run((int)Warm(trips), size);
        WarmedUp();
        return run(trips, size) * 1e6 / trips;
    }

    private static async Task<double> RttAsync(Options o, Func<int, int, Task<double>> run)
    {
        int trips = (int)o.Number("trips", int.MaxValue);
        int size = (int)o.Number("size", 1 << 24);
        await run((int)Warm(trips), size);
        WarmedUp();
        return await run(trips, size) * 1e6 / trips;
    }

    private static void RecvExactly(Func<Memory<byte>, int> recv, byte[] buffer)
    {
        for (int got = 0; got < buffer.Length;)
        {
            int n = recv(buffer.AsMemory(got));
            if (n == 0)
            {
                throw new IOException("end of stream in a round trip");
            }
            got += n;
        }
    }

    private static async ValueTask RecvExactlyAsync(Func<Memory<byte>, ValueTask<int>> recv, byte[] buffer)
    {
        for (int got = 0; got < buffer.Length;)
        {
            int n = await recv(buffer.AsMemory(got));
            if (n == 0)
            {
                throw new IOException("end of stream in a round trip");
            }
            got += n;
        }
    }

    // Seconds for `trips` round trips, timed on the client.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SyncTrips(int trips, int size, Action<ReadOnlySpan<byte>> clientSend, Func<Memory<byte>, int> clientRecv,
        Action<ReadOnlySpan<byte>> serverSend, Func<Memory<byte>, int> serverRecv)
    {
        var echo = new Thread([MethodImpl(MethodImplOptions.AggressiveOptimization)] () =>
        {
            var b = new byte[size];
            for (int i = 0; i < trips; i++)
            {
                RecvExactly(serverRecv, b);
                serverSend(b);
            }
        });
        echo.Start();
        var msg = new byte[size];
        var reply = new byte[size];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < trips; i++)
        {
            clientSend(msg);
            RecvExactly(clientRecv, reply);
        }
        double t = Stopwatch.GetElapsedTime(start).TotalSeconds;
        echo.Join();
        return t;
    }

    private static async Task<double> AsyncTrips(int trips, int size, Func<ReadOnlyMemory<byte>, ValueTask> clientSend, Func<Memory<byte>, ValueTask<int>> clientRecv,
        Func<ReadOnlyMemory<byte>, ValueTask> serverSend, Func<Memory<byte>, ValueTask<int>> serverRecv)
    {
        Task echo = Task.Run(async () =>
        {
            var b = new byte[size];
            for (int i = 0; i < trips; i++)
            {
                await RecvExactlyAsync(serverRecv, b);
                await serverSend(b);
            }
        });
        var msg = new byte[size];
        var reply = new byte[size];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < trips; i++)
        {
            await clientSend(msg);
            await RecvExactlyAsync(clientRecv, reply);
        }
        double t = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await echo;
        return t;
    }

    private static double PolysockRttSync(int trips, int size)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair(noDelay: true);
        using (client)
        using (server)
        {
            return SyncTrips(trips, size, d => client.SendAll(d), b => client.RecvInto(b.Span), d => server.SendAll(d), b => server.RecvInto(b.Span));
        }
    }

    private static async Task<double> PolysockRttAsync(int trips, int size)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair(noDelay: true);
        using (client)
        using (server)
        {
            return await AsyncTrips(trips, size, d => client.SendAllAsync(d), b => client.RecvIntoAsync(b), d => server.SendAllAsync(d), b => server.RecvIntoAsync(b));
        }
    }

    private static double SystemRttSync(int trips, int size)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair(noDelay: true);
        using (client)
        using (server)
        {
            return SyncTrips(trips, size, d => SendAll(client, d), b => client.Receive(b.Span), d => SendAll(server, d), b => server.Receive(b.Span));
        }
    }

    private static async Task<double> SystemRttAsync(int trips, int size)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair(noDelay: true);
        using (client)
        using (server)
        {
            return await AsyncTrips(trips, size, d => SendAllAsync(client, d), b => client.ReceiveAsync(b), d => SendAllAsync(server, d), b => server.ReceiveAsync(b));
        }
    }

    // ---- connect: one thread; socket + connect to the numeric address, accept, close both ----

    private static double Connect(Options o, Func<int, double> run)
    {
        int count = (int)o.Number("count", int.MaxValue);
        run((int)Warm(count));
        WarmedUp();
        return count / run(count);
    }

    private static double PolysockConnect(int count)
    {
        using Polysock.Socket listener = new Polysock.Socket(Net.AF_INET, Net.SOCK_STREAM);
        listener.Bind("127.0.0.1", 0);
        listener.Listen(128);
        int port = listener.GetSockName().Port;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            var client = new Polysock.Socket(Net.AF_INET, Net.SOCK_STREAM);
            client.Connect("127.0.0.1", port);
            Polysock.Socket conn = listener.Accept().Connection;
            client.Dispose();
            conn.Dispose();
        }
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double SystemConnect(int count)
    {
        using var listener = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(128);
        var address = (IPEndPoint)listener.LocalEndPoint!;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            var client = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
            client.Connect(address);
            Sys.Socket conn = listener.Accept();
            client.Dispose();
            conn.Dispose();
        }
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    // ---- eagain: a non-blocking recv into 64 bytes that finds no data, checked every call ----

    private static double PolysockEagain(Options o)
    {
        long calls = o.Number("calls");
        Console.WriteLine("INFO polysock: non-blocking TryRecvInto(Span<byte>, out int), false on would-block (no exception)");
        PolysockEagainRun(Warm(calls));
        WarmedUp();
        return PolysockEagainRun(calls) * 1e9 / calls;
    }

    private static double PolysockEagainRun(long calls)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair(noDelay: false);
        using (client)
        using (server)
        {
            client.SetBlocking(false);
            var buffer = new byte[64];
            long wouldBlock = 0;
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < calls; i++)
            {
                if (client.TryRecvInto(buffer, out int n))
                {
                    throw new InvalidOperationException($"call {i}: recv returned {n} instead of would-block");
                }
                wouldBlock++;
            }
            double t = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return wouldBlock == calls ? t : throw new InvalidOperationException($"{wouldBlock} would-blocks in {calls} calls");
        }
    }

    private static double SystemEagain(Options o)
    {
        long calls = o.Number("calls");
        SystemEagainRun(Warm(calls));
        WarmedUp();
        return SystemEagainRun(calls) * 1e9 / calls;
    }

    private static double SystemEagainRun(long calls)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair(noDelay: false);
        using (client)
        using (server)
        {
            client.Blocking = false;
            var buffer = new byte[64];
            long wouldBlock = 0;
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < calls; i++)
            {
                int n = client.Receive(buffer.AsSpan(), Sys.SocketFlags.None, out Sys.SocketError error);
                if (error != Sys.SocketError.WouldBlock)
                {
                    throw new InvalidOperationException($"call {i}: Receive returned {n} with {error} instead of WouldBlock");
                }
                wouldBlock++;
            }
            double t = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return wouldBlock == calls ? t : throw new InvalidOperationException($"{wouldBlock} would-blocks in {calls} calls");
        }
    }

    // ---- tls-bulk: TLS 1.3, the client (trusting cert.pem, verifying "localhost") sends, the server receives ----

    private static async Task<double> PolysockTlsBulk(Options o, bool async)
    {
        long bytes = o.Number("bytes");
        int chunk = (int)o.Number("chunk", 1 << 24);
        using var serverContext = new TlsContext(TlsProtocol.Server);
        serverContext.LoadCertChain(o.Text("cert"), o.Text("key"));
        serverContext.MinimumVersion = TlsVersion.Tls13;
        using var clientContext = new TlsContext(TlsProtocol.Client);
        clientContext.LoadVerifyLocations(caFile: o.Text("cert"));
        clientContext.MinimumVersion = TlsVersion.Tls13;
        double result = 0;
        long[] runs = { WarmBytes(bytes, chunk), bytes };  // a warm-up on its own connection, then the measurement
        for (int run = 0; run < runs.Length; run++)
        {
            long total = runs[run];
            using Polysock.Socket listener = Net.CreateServer("127.0.0.1", 0);
            using Polysock.Socket tcp = Net.CreateConnection("127.0.0.1", listener.GetSockName().Port);
            Task<Polysock.Socket> accepting = Task.Run(() => serverContext.WrapSocket(listener.Accept().Connection, serverSide: true));
            using Polysock.Socket client = clientContext.WrapSocket(tcp, serverHostname: "localhost");
            using Polysock.Socket server = await accepting;
            if (client.TlsVersion != "TLSv1.3")
            {
                throw new InvalidOperationException($"negotiated {client.TlsVersion}, not TLSv1.3");
            }
            if (run == runs.Length - 1)
            {
                Console.WriteLine($"INFO cipher {client.Cipher?.Name}");
                WarmedUp();
            }
            result = async
                ? await AsyncTransfer(total, chunk, d => client.SendAllAsync(d), b => server.RecvIntoAsync(b))
                : SyncTransfer(total, chunk, d => client.SendAll(d), b => server.RecvInto(b.Span));
        }
        return result;
    }

    private static X509Certificate2 ServerCertificate(string certFile, string keyFile)
    {
        // SslStream on Linux wants a server certificate whose key it can hand to OpenSSL:
        // one from CreateFromPemFile has an ephemeral key, so it goes through PKCS#12 once.
        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<double> SystemTlsBulk(Options o, bool async)
    {
        long bytes = o.Number("bytes");
        int chunk = (int)o.Number("chunk", 1 << 24);
        using X509Certificate2 certificate = ServerCertificate(o.Text("cert"), o.Text("key"));
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(o.Text("cert"));
        double result = 0;
        long[] runs = { WarmBytes(bytes, chunk), bytes };  // a warm-up on its own connection, then the measurement
        for (int run = 0; run < runs.Length; run++)
        {
            long total = runs[run];
            (Sys.Socket clientTcp, Sys.Socket serverTcp) = SystemPair(noDelay: false);
            using var client = new SslStream(new Sys.NetworkStream(clientTcp, ownsSocket: true));
            using var server = new SslStream(new Sys.NetworkStream(serverTcp, ownsSocket: true));
            Task serving = server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = SslProtocols.Tls13,
            });
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.Add(ca);
            await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = SslProtocols.Tls13,
                CertificateChainPolicy = policy,
            });
            await serving;
            if (client.SslProtocol != SslProtocols.Tls13)
            {
                throw new InvalidOperationException($"negotiated {client.SslProtocol}, not TLS 1.3");
            }
            if (run == runs.Length - 1)
            {
                Console.WriteLine($"INFO cipher {client.NegotiatedCipherSuite}");
                WarmedUp();
            }
            result = async
                ? await AsyncTransfer(total, chunk, d => client.WriteAsync(d), b => server.ReadAsync(b))
                : SyncTransfer(total, chunk, d => client.Write(d), b => server.Read(b.Span));
        }
        return result;
    }

    // ---- echo-server: PORT <n>, then echo on every connection until stdin reaches EOF ----

    private const int EchoBuffer = 4096;
    private const int EchoBacklog = 4096;

    private static void Announce(int port)
    {
        Console.WriteLine($"PORT {port}");
        Console.Out.Flush();
        var watcher = new Thread(() =>
        {
            using Stream stdin = Console.OpenStandardInput();
            var b = new byte[256];
            while (stdin.Read(b) > 0)
            {
            }
            Environment.Exit(0);
        })
        { IsBackground = true, Name = "stdin-eof" };
        watcher.Start();
    }

    /// <summary>A connection of the poller loop: the bytes a partial send left over.</summary>
    private sealed class PollerConnection(Polysock.Socket socket)
    {
        public Polysock.Socket Socket { get; } = socket;
        public byte[] Pending { get; } = new byte[EchoBuffer];
        public int Offset { get; set; }
        public int Length { get; set; }
    }

    private static Task<double> PolysockPollerEcho()
    {
        using Polysock.Socket listener = Net.CreateServer("127.0.0.1", 0, backlog: EchoBacklog);
        listener.SetBlocking(false);
        using var poller = new Poller();
        poller.Register(listener, PollEvents.Read);
        Announce(listener.GetSockName().Port);
        var buffer = new byte[EchoBuffer];
        while (true)
        {
            foreach (PollerEvent e in poller.Select(null, 256))
            {
                if (e.Data is PollerConnection c)
                {
                    PollerServe(poller, c, buffer);
                }
                else
                {
                    PollerAccept(poller, listener);
                }
            }
        }
    }

    private static void PollerAccept(Poller poller, Polysock.Socket listener)
    {
        for (int i = 0; i < 64; i++)
        {
            Polysock.Socket conn;
            try
            {
                conn = listener.Accept().Connection;
            }
            catch (BlockingIOException)
            {
                return;
            }
            catch (PolysockException e)
            {
                Console.Error.WriteLine($"accept: {e.Message}");
                return;
            }
            conn.SetBlocking(false);
            poller.Register(conn, PollEvents.Read, new PollerConnection(conn));
        }
    }

    private static void PollerServe(Poller poller, PollerConnection c, byte[] buffer)
    {
        try
        {
            if (c.Length > 0)
            {
                // Waiting to write the rest of a partial send (registered for Write only).
                int w = TrySend(c.Socket, c.Pending.AsSpan(c.Offset, c.Length));
                c.Offset += w;
                c.Length -= w;
                if (c.Length == 0)
                {
                    poller.Modify(c.Socket, PollEvents.Read, c);
                }
                return;
            }
            int n;
            try
            {
                n = c.Socket.RecvInto(buffer);
            }
            catch (BlockingIOException)
            {
                return;
            }
            if (n == 0)
            {
                c.Socket.Dispose();
                return;
            }
            int sent = TrySend(c.Socket, buffer.AsSpan(0, n));
            if (sent < n)
            {
                buffer.AsSpan(sent, n - sent).CopyTo(c.Pending);
                c.Offset = 0;
                c.Length = n - sent;
                poller.Modify(c.Socket, PollEvents.Write, c);
            }
        }
        catch (PolysockException)
        {
            // A reset or a broken pipe: the connection is over (closing unregisters it).
            c.Socket.Dispose();
        }
    }

    private static int TrySend(Polysock.Socket s, ReadOnlySpan<byte> data)
    {
        try
        {
            return s.Send(data);
        }
        catch (BlockingIOException)
        {
            return 0;
        }
    }

    private static async Task<double> PolysockAsyncEcho()
    {
        using Polysock.Socket listener = Net.CreateServer("127.0.0.1", 0, backlog: EchoBacklog);
        Announce(listener.GetSockName().Port);
        while (true)
        {
            Polysock.Socket conn;
            try
            {
                conn = (await listener.AcceptAsync()).Connection;
            }
            catch (PolysockException e)
            {
                Console.Error.WriteLine($"accept: {e.Message}");
                await Task.Delay(10);
                continue;
            }
            _ = PolysockServeAsync(conn);
        }
    }

    private static async Task PolysockServeAsync(Polysock.Socket conn)
    {
        using (conn)
        {
            var buffer = new byte[EchoBuffer];
            try
            {
                while (true)
                {
                    int n = await conn.RecvIntoAsync(buffer);
                    if (n == 0)
                    {
                        return;
                    }
                    await conn.SendAllAsync(buffer.AsMemory(0, n));
                }
            }
            catch (PolysockException)
            {
                // A reset or a broken pipe: the connection is over.
            }
        }
    }

    private static async Task<double> SystemAsyncEcho()
    {
        using var listener = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(EchoBacklog);
        Announce(((IPEndPoint)listener.LocalEndPoint!).Port);
        while (true)
        {
            Sys.Socket conn;
            try
            {
                conn = await listener.AcceptAsync();
            }
            catch (Sys.SocketException e)
            {
                Console.Error.WriteLine($"accept: {e.Message}");
                await Task.Delay(10);
                continue;
            }
            _ = SystemServeAsync(conn);
        }
    }

    private static async Task SystemServeAsync(Sys.Socket conn)
    {
        using (conn)
        {
            var buffer = new byte[EchoBuffer];
            try
            {
                while (true)
                {
                    int n = await conn.ReceiveAsync(buffer.AsMemory());
                    if (n == 0)
                    {
                        return;
                    }
                    await SendAllAsync(conn, buffer.AsMemory(0, n));
                }
            }
            catch (Sys.SocketException)
            {
                // A reset or a broken pipe: the connection is over.
            }
        }
    }
}
