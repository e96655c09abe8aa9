using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

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

        /// <summary>What python3 prints for a snippet (the comparisons with CPython on this machine).</summary>
        internal static string Python(string code, params string[] args)
        {
            var start = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(code);
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }
            using var p = System.Diagnostics.Process.Start(start)!;
            string output = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(30_000), "python3 did not finish");
            Assert.Equal(0, p.ExitCode);
            return output.Trim();
        }

        internal static readonly CancellationToken TestTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
    }
}

namespace Polysock.Tests
{
    /// <summary>The few libc calls the tests make themselves (threads, signals, poll, descriptors).</summary>
    internal static partial class Libc
    {
        /// <summary>Linux's SIGWINCH: a signal the .NET runtime lets a PosixSignalRegistration handle.</summary>
        internal const int SIGWINCH = 28;
        internal const short POLLIN = 0x1;
        internal const int F_GETFD = 1;
        internal const int FD_CLOEXEC = 1;

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short REvents;
        }

        [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "gettid")]
        internal static partial int GetTid();

        [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "getpid")]
        internal static partial int GetPid();

        [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "tgkill", SetLastError = true)]
        internal static partial int TgKill(int tgid, int tid, int sig);

        [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "poll", SetLastError = true)]
        internal static unsafe partial int Poll(PollFd* fds, ulong nfds, int timeout);

        [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int Fcntl(int fd, int cmd);

        /// <summary>True if fd polls readable now (a zero timeout: only looks).</summary>
        internal static unsafe bool Readable(int fd)
        {
            var p = new PollFd { Fd = fd, Events = POLLIN };
            int n = Poll(&p, 1, 0);
            Assert.True(n >= 0, "poll failed: errno " + System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
            return n == 1 && (p.REvents & POLLIN) != 0;
        }
    }
}
