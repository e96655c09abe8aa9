using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Polysock.Tests
{
    /// <summary>Helpers shared by the suites: loopback pairs and bounded waits.</summary>
    internal static class Support
    {
        /// <summary>A listening TCP socket on 127.0.0.1 and an ephemeral port.</summary>
        internal static Socket Listener(out int port)
        {
            Socket server = Net.CreateServer("127.0.0.1", 0);
            port = server.GetSockName().Port;
            return server;
        }

        /// <summary>A connected TCP pair over loopback: (client, accepted).</summary>
        internal static (Socket Client, Socket Server) TcpPair()
        {
            using Socket listener = Listener(out int port);
            Socket client = Net.CreateConnection("127.0.0.1", port);
            (Socket conn, _) = listener.Accept();
            return (client, conn);
        }

        /// <summary>The number of threads of this process (/proc/self/status).</summary>
        internal static int ThreadCount()
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    return int.Parse(line.AsSpan(8).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            throw new InvalidOperationException("no Threads: line in /proc/self/status");
        }

        /// <summary>Awaits task for at most the given seconds (a test never hangs).</summary>
        internal static async Task<T> Within<T>(this ValueTask<T> task, double seconds) =>
            await task.AsTask().WaitAsync(TimeSpan.FromSeconds(seconds));

        internal static async Task Within(this ValueTask task, double seconds) =>
            await task.AsTask().WaitAsync(TimeSpan.FromSeconds(seconds));

        internal static byte[] Pattern(int length, int seed = 7)
        {
            var data = new byte[length];
            new Random(seed).NextBytes(data);
            return data;
        }

        internal static void RecvExactly(Socket s, Span<byte> buffer)
        {
            int got = 0;
            while (got < buffer.Length)
            {
                int n = s.RecvInto(buffer[got..]);
                if (n == 0)
                {
                    throw new EndOfStreamException("peer closed after " + got + " bytes");
                }
                got += n;
            }
        }

        internal static readonly CancellationToken TestTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
    }
}
