using System;
using System.IO;

namespace Polysock.Examples
{
    // Connects to a greeting server and prints what it says, exactly.
    internal static class GreetingClient
    {
        public static int Run(string[] args) =>
            Cli.Run("greeting_client", "HOST PORT", 2, 2, args, a =>
            {
                // create_connection tries every address of HOST; the timeout bounds each wait.
                using Socket sock = Net.CreateConnection(a[0], Cli.Port(a[1]), 5.0);
                using Stream stdout = Console.OpenStandardOutput();
                // TCP is a byte stream: the greeting may come in pieces, so read to EOF
                // (the server closes after greeting) instead of trusting one recv.
                var buffer = new byte[4096];
                for (int n; (n = sock.RecvInto(buffer, 0, buffer.Length)) > 0;)
                {
                    stdout.Write(buffer, 0, n);
                }
                return 0;
            });
    }
}
