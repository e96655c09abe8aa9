using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Sys = System.Net.Sockets;

// Bulk transfer (64 KiB writes) and 64-byte round trips over 127.0.0.1, four ways:
// polysock sync, polysock async, System.Net.Sockets sync, System.Net.Sockets async.
// Every round runs each of them once, in an order that rotates from round to round;
// the report gives each one's median and polysock's ratio against System.Net (> 1: faster).
//   dotnet PolysockBench.dll [--rounds N] [--bulk-mib M] [--round-trips K] [--only "polysock async"]
// --only runs one variant's round trips alone (no bulk, no report), for strace -f -c.
internal static class Program
{
    private const int Chunk = 64 * 1024;
    private const int Small = 64;

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static async Task Main(string[] args)
    {
        int rounds = Arg(args, "--rounds", 5);
        long bulkBytes = (long)Arg(args, "--bulk-mib", 1024) << 20;
        int trips = Arg(args, "--round-trips", 20000);
        int only = Array.IndexOf(args, "--only");
        Console.WriteLine($"rounds={rounds} bulk={bulkBytes >> 20} MiB in {Chunk >> 10} KiB writes, round trips={trips} x {Small} B, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}");

        var bulk = new (string Name, Func<long, Task<double>> Run)[]
        {
            ("polysock sync", n => Task.FromResult(PolysockBulkSync(n))),
            ("polysock async", PolysockBulkAsync),
            ("System.Net sync", n => Task.FromResult(SystemBulkSync(n))),
            ("System.Net async", SystemBulkAsync),
        };
        var rtt = new (string Name, Func<int, Task<double>> Run)[]
        {
            ("polysock sync", n => Task.FromResult(PolysockRttSync(n))),
            ("polysock async", PolysockRttAsync),
            ("System.Net sync", n => Task.FromResult(SystemRttSync(n))),
            ("System.Net async", SystemRttAsync),
        };

        if (only >= 0 && only + 1 < args.Length)
        {
            var one = rtt.Single(r => r.Name == args[only + 1]);
            await one.Run(2000);  // warm-up, as below
            double seconds = await one.Run(trips);
            Console.WriteLine($"{one.Name}: {trips} round trips in {seconds:F3} s");
            return;
        }

        // Warm-up (JIT, tiering): a short run of each.
        foreach (var b in bulk)
        {
            await b.Run(64L << 20);
        }
        foreach (var r in rtt)
        {
            await r.Run(2000);
        }

        var bulkTimes = bulk.ToDictionary(b => b.Name, _ => new List<double>());
        var rttTimes = rtt.ToDictionary(r => r.Name, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < bulk.Length; k++)
            {
                var b = bulk[(k + round) % bulk.Length];
                bulkTimes[b.Name].Add(await b.Run(bulkBytes));
            }
            for (int k = 0; k < rtt.Length; k++)
            {
                var r = rtt[(k + round) % rtt.Length];
                rttTimes[r.Name].Add(await r.Run(trips));
            }
            Console.WriteLine($"round {round + 1}/{rounds} done");
        }

        Console.WriteLine();
        Console.WriteLine("| bulk 1 GiB | median s | MiB/s |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var b in bulk)
        {
            double m = Median(bulkTimes[b.Name]);
            Console.WriteLine($"| {b.Name} | {m:F3} | {(bulkBytes >> 20) / m:F0} |");
        }
        Console.WriteLine();
        Console.WriteLine("| 64 B round trip | median s | us per trip |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var r in rtt)
        {
            double m = Median(rttTimes[r.Name]);
            Console.WriteLine($"| {r.Name} | {m:F3} | {m * 1e6 / trips:F1} |");
        }
        Console.WriteLine();
        Console.WriteLine("ratios (System.Net median time / polysock median time; > 1.0: polysock faster)");
        Console.WriteLine($"bulk sync  {Median(bulkTimes["System.Net sync"]) / Median(bulkTimes["polysock sync"]):F2}x");
        Console.WriteLine($"bulk async {Median(bulkTimes["System.Net async"]) / Median(bulkTimes["polysock async"]):F2}x");
        Console.WriteLine($"rtt sync   {Median(rttTimes["System.Net sync"]) / Median(rttTimes["polysock sync"]):F2}x");
        Console.WriteLine($"rtt async  {Median(rttTimes["System.Net async"]) / Median(rttTimes["polysock async"]):F2}x");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    // ---- polysock ----

    private static (Polysock.Socket Client, Polysock.Socket Server) PolysockPair()
    {
        using Polysock.Socket listener = Polysock.Net.CreateServer("127.0.0.1", 0);
        Polysock.Socket client = Polysock.Net.CreateConnection("127.0.0.1", listener.GetSockName().Port);
        Polysock.Socket server = listener.Accept().Connection;
        client.SetSockOpt(Polysock.Net.IPPROTO_TCP, Polysock.Net.TCP_NODELAY, 1);
        server.SetSockOpt(Polysock.Net.IPPROTO_TCP, Polysock.Net.TCP_NODELAY, 1);
        return (client, server);
    }

    private static double PolysockBulkSync(long total)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair();
        using (client)
        using (server)
        {
            var watch = Stopwatch.StartNew();
            var sender = new Thread(() =>
            {
                var chunk = new byte[Chunk];
                for (long sent = 0; sent < total; sent += Chunk)
                {
                    client.SendAll(chunk);
                }
            });
            sender.Start();
            var buffer = new byte[Chunk];
            for (long got = 0; got < total;)
            {
                got += server.RecvInto(buffer);
            }
            sender.Join();
            return watch.Elapsed.TotalSeconds;
        }
    }

    private static async Task<double> PolysockBulkAsync(long total)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair();
        using (client)
        using (server)
        {
            var watch = Stopwatch.StartNew();
            Task sender = Task.Run(async () =>
            {
                var chunk = new byte[Chunk];
                for (long sent = 0; sent < total; sent += Chunk)
                {
                    await client.SendAllAsync(chunk);
                }
            });
            var buffer = new byte[Chunk];
            for (long got = 0; got < total;)
            {
                got += await server.RecvIntoAsync(buffer);
            }
            await sender;
            return watch.Elapsed.TotalSeconds;
        }
    }

    private static double PolysockRttSync(int trips)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair();
        using (client)
        using (server)
        {
            var echo = new Thread(() =>
            {
                var b = new byte[Small];
                for (int i = 0; i < trips; i++)
                {
                    for (int got = 0; got < Small;)
                    {
                        got += server.RecvInto(b.AsSpan(got));
                    }
                    server.SendAll(b);
                }
            });
            echo.Start();
            var watch = Stopwatch.StartNew();
            var msg = new byte[Small];
            var reply = new byte[Small];
            for (int i = 0; i < trips; i++)
            {
                client.SendAll(msg);
                for (int got = 0; got < Small;)
                {
                    got += client.RecvInto(reply.AsSpan(got));
                }
            }
            double t = watch.Elapsed.TotalSeconds;
            echo.Join();
            return t;
        }
    }

    private static async Task<double> PolysockRttAsync(int trips)
    {
        (Polysock.Socket client, Polysock.Socket server) = PolysockPair();
        using (client)
        using (server)
        {
            Task echo = Task.Run(async () =>
            {
                var b = new byte[Small];
                for (int i = 0; i < trips; i++)
                {
                    for (int got = 0; got < Small;)
                    {
                        got += await server.RecvIntoAsync(b.AsMemory(got));
                    }
                    await server.SendAllAsync(b);
                }
            });
            var watch = Stopwatch.StartNew();
            var msg = new byte[Small];
            var reply = new byte[Small];
            for (int i = 0; i < trips; i++)
            {
                await client.SendAllAsync(msg);
                for (int got = 0; got < Small;)
                {
                    got += await client.RecvIntoAsync(reply.AsMemory(got));
                }
            }
            double t = watch.Elapsed.TotalSeconds;
            await echo;
            return t;
        }
    }

    // ---- System.Net.Sockets ----

    private static (Sys.Socket Client, Sys.Socket Server) SystemPair()
    {
        using var listener = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var client = new Sys.Socket(Sys.AddressFamily.InterNetwork, Sys.SocketType.Stream, Sys.ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        Sys.Socket server = listener.Accept();
        client.NoDelay = true;
        server.NoDelay = true;
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

    private static double SystemBulkSync(long total)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair();
        using (client)
        using (server)
        {
            var watch = Stopwatch.StartNew();
            var sender = new Thread(() =>
            {
                var chunk = new byte[Chunk];
                for (long sent = 0; sent < total; sent += Chunk)
                {
                    SendAll(client, chunk);
                }
            });
            sender.Start();
            var buffer = new byte[Chunk];
            for (long got = 0; got < total;)
            {
                got += server.Receive(buffer);
            }
            sender.Join();
            return watch.Elapsed.TotalSeconds;
        }
    }

    private static async Task<double> SystemBulkAsync(long total)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair();
        using (client)
        using (server)
        {
            var watch = Stopwatch.StartNew();
            Task sender = Task.Run(async () =>
            {
                var chunk = new byte[Chunk];
                for (long sent = 0; sent < total; sent += Chunk)
                {
                    await SendAllAsync(client, chunk);
                }
            });
            var buffer = new byte[Chunk];
            for (long got = 0; got < total;)
            {
                got += await server.ReceiveAsync(buffer.AsMemory());
            }
            await sender;
            return watch.Elapsed.TotalSeconds;
        }
    }

    private static double SystemRttSync(int trips)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair();
        using (client)
        using (server)
        {
            var echo = new Thread(() =>
            {
                var b = new byte[Small];
                for (int i = 0; i < trips; i++)
                {
                    for (int got = 0; got < Small;)
                    {
                        got += server.Receive(b.AsSpan(got));
                    }
                    SendAll(server, b);
                }
            });
            echo.Start();
            var watch = Stopwatch.StartNew();
            var msg = new byte[Small];
            var reply = new byte[Small];
            for (int i = 0; i < trips; i++)
            {
                SendAll(client, msg);
                for (int got = 0; got < Small;)
                {
                    got += client.Receive(reply.AsSpan(got));
                }
            }
            double t = watch.Elapsed.TotalSeconds;
            echo.Join();
            return t;
        }
    }

    private static async Task<double> SystemRttAsync(int trips)
    {
        (Sys.Socket client, Sys.Socket server) = SystemPair();
        using (client)
        using (server)
        {
            Task echo = Task.Run(async () =>
            {
                var b = new byte[Small];
                for (int i = 0; i < trips; i++)
                {
                    for (int got = 0; got < Small;)
                    {
                        got += await server.ReceiveAsync(b.AsMemory(got));
                    }
                    await SendAllAsync(server, b);
                }
            });
            var watch = Stopwatch.StartNew();
            var msg = new byte[Small];
            var reply = new byte[Small];
            for (int i = 0; i < trips; i++)
            {
                await SendAllAsync(client, msg);
                for (int got = 0; got < Small;)
                {
                    got += await client.ReceiveAsync(reply.AsMemory(got));
                }
            }
            double t = watch.Elapsed.TotalSeconds;
            await echo;
            return t;
        }
    }
}
