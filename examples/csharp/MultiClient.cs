using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace Polysock.Examples
{
    // A client of multi_client_server that takes its time: one line a second. Start a
    // few at once and watch the server answer them all, interleaved, none waiting.
    internal static class MultiClient
    {
        public static int Run(string[] args) =>
            Cli.Run("multi_client", "HOST PORT NAME LINES   (POLYSOCK_EXAMPLE_INTERVAL: seconds between lines, default 1)", 4, 4, args, a =>
            {
                string name = a[2];
                int lines = Cli.Number(a[3], "LINES");
                string? interval = Environment.GetEnvironmentVariable("POLYSOCK_EXAMPLE_INTERVAL");
                TimeSpan pause = TimeSpan.FromSeconds(interval is null ? 1.0 : double.Parse(interval, CultureInfo.InvariantCulture));
                using Socket sock = Net.CreateConnection(a[0], Cli.Port(a[1]), 5.0);
                // The socket as a Stream under a StreamReader: a reply line may arrive in
                // pieces, and ReadLine puts it back together.
                using var replies = new StreamReader(sock.MakeFile(), Encoding.UTF8);
                for (int i = 1; i <= lines; i++)
                {
                    if (i > 1)
                    {
                        Thread.Sleep(pause);
                    }
                    string line = $"{name} line {i}";
                    sock.SendAll(Encoding.UTF8.GetBytes(line + "\n"));
                    string? reply = replies.ReadLine();
                    Console.WriteLine(reply ?? "(connection closed)");
                    if (reply != "echo: " + line)
                    {
                        Console.Error.WriteLine($"multi_client: expected 'echo: {line}'");
                        return 1;
                    }
                }
                return 0;
            });
    }
}
