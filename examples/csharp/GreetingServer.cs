using System;
using System.Text;

namespace Polysock.Examples
{
    // The classic first server: greet each client by its address, then hang up. Clients
    // are served one after another, which is fine for a greeting sent at once;
    // multi_client_server shows how to serve many at the same time.
    internal static class GreetingServer
    {
        public static int Run(string[] args) =>
            Cli.Run("greeting_server", "HOST PORT [COUNT]   (PORT 0: any free port; COUNT 0: forever)", 2, 3, args, a =>
            {
                string host = a[0];
                int count = a.Length > 2 ? Cli.Number(a[2], "COUNT") : 1;
                // create_server sets SO_REUSEADDR, so a restart does not wait for TIME_WAIT.
                using Socket server = Net.CreateServer(host, Cli.Port(a[1]), Cli.Family(host));
                Cli.Listening(server.GetSockName());
                for (int served = 0; count == 0 || served < count; served++)
                {
                    (Socket conn, SocketAddress peer) = server.Accept();
                    using (conn)
                    {
                        try
                        {
                            conn.SendAll(Encoding.UTF8.GetBytes($"Thank you for connecting, {Cli.Text(peer)}\n"));
                            Console.WriteLine($"greeted {Cli.Text(peer)}");
                        }
                        catch (ConnectionException e)
                        {
                            // One client that hung up early is no reason to stop serving the others.
                            Console.Error.WriteLine($"greeting_server: {Cli.Text(peer)}: {e.Message}");
                        }
                    }
                }
                return 0;
            });
    }
}
