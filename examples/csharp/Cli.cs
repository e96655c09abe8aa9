using System;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;

namespace Polysock.Examples
{
    /// <summary>A malformed argument: reported with the usage, exit status 2.</summary>
    internal sealed class UsageException : Exception
    {
        public UsageException(string message) : base(message) { }
    }

    /// <summary>
    /// The command-line rules every example shares, so that a test (or a person) drives
    /// the C# programs exactly like the C, Java and Go ones: --help exits 0, bad usage 2,
    /// a failure 1 with Python's message (the binding's exception message) on stderr.
    /// </summary>
    internal static class Cli
    {
        public static int Run(string name, string usage, int min, int max, string[] args, Func<string[], int> body) =>
            RunAsync(name, usage, min, max, args, a => Task.FromResult(body(a))).GetAwaiter().GetResult();

        public static async Task<int> RunAsync(string name, string usage, int min, int max, string[] args, Func<string[], Task<int>> body)
        {
            string text = $"usage: {name} {usage}";
            if (args.Length == 1 && args[0] is "--help" or "-h")
            {
                Console.WriteLine(text);
                return 0;
            }
            if (args.Length < min || args.Length > max)
            {
                Console.Error.WriteLine(text);
                return 2;
            }
            try
            {
                return await body(args);
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"{name}: {e.Message}");
                Console.Error.WriteLine(text);
                return 2;
            }
            catch (FileNotFoundException e)
            {
                // .NET's text is not Python's: say what Python would.
                Console.Error.WriteLine($"{name}: [Errno 2] No such file or directory: '{e.FileName}'");
                return 1;
            }
            catch (Exception e) when (e is IOException or TimeoutException or UnauthorizedAccessException
                                       or ArgumentException or FormatException)
            {
                // PolysockException (an IOException) and SocketTimeoutException carry
                // Python's text, e.g. "[Errno 111] Connection refused" or "timed out";
                // the others (a bad address, a bad POLYSOCK_EXAMPLE_INTERVAL) .NET's.
                Console.Error.WriteLine($"{name}: {e.Message}");
                return 1;
            }
        }

        public static int Port(string s)
        {
            int port = Number(s, "PORT");
            return port <= 65535 ? port : throw new UsageException($"PORT must be 0-65535, not {s}");
        }

        public static int Number(string s, string what) =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                ? n
                : throw new UsageException($"{what} must be a non-negative integer, not '{s}'");

        /// <summary>AF_INET6 for a numeric IPv6 host such as ::1, AF_INET otherwise.</summary>
        public static int Family(string host) => host.Contains(':', StringComparison.Ordinal) ? Net.AF_INET6 : Net.AF_INET;

        /// <summary>The first line of every server, at once: the caller waits for it.</summary>
        public static void Listening(SocketAddress address)
        {
            Console.WriteLine($"listening on {address.Host}:{address.Port}");
            Console.Out.Flush();
        }

        public static string Text(SocketAddress address) => $"{address.Host}:{address.Port}";
    }
}
