using System;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;
using Polysock;

// Starts the C example echo server (its path is the argument), reads the port it
// prints, and sends it bytes over polysock, sync and async. Exit 0: they came back intact.
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: EchoCheck ECHO_SERVER");
            return 2;
        }
        var info = new ProcessStartInfo(args[0], "0") { RedirectStandardOutput = true, UseShellExecute = false };
        using Process server = Process.Start(info)!;
        try
        {
            Task<string?> line = server.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(10)) || line.Result is null)
            {
                Console.Error.WriteLine("the echo server did not say where it listens");
                return 1;
            }
            // "echo server on 127.0.0.1:PORT"
            int port = int.Parse(line.Result[(line.Result.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

            using Socket sock = Net.CreateConnection("127.0.0.1", port, 10.0);
            byte[] message = Encoding.UTF8.GetBytes("hello from the Polysock package " + Net.Version);
            sock.SendAll(message);
            var echo = new byte[message.Length];
            int got = 0;
            while (got < echo.Length)
            {
                int n = sock.RecvInto(echo.AsSpan(got));
                if (n == 0)
                {
                    break;
                }
                got += n;
            }
            if (!echo.AsSpan().SequenceEqual(message))
            {
                Console.Error.WriteLine("sync echo differs");
                return 1;
            }

            await sock.SendAllAsync(message).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            byte[] again = new byte[message.Length];
            got = 0;
            while (got < again.Length)
            {
                int n = await sock.RecvIntoAsync(again.AsMemory(got)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                if (n == 0)
                {
                    break;
                }
                got += n;
            }
            if (!again.AsSpan().SequenceEqual(message))
            {
                Console.Error.WriteLine("async echo differs");
                return 1;
            }
            Console.WriteLine($"echo check passed: {message.Length} bytes twice through 127.0.0.1:{port}");
            return 0;
        }
        finally
        {
            server.Kill();
            server.WaitForExit(10_000);
        }
    }
}
