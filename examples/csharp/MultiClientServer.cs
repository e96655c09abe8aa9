using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;

namespace Polysock.Examples
{
    // An echo server for many clients at once. The classic version blocks in recv() on
    // its first client while everyone else waits; here each client is an async task.
    // AcceptAsync and RecvIntoAsync wait on polysock's engine (one poller thread), not
    // on a thread per client, so a thousand idle clients cost no threads.
    internal static class MultiClientServer
    {
        public static Task<int> Run(string[] args) =>
            Cli.RunAsync("multi_client_server", "HOST PORT [CLIENTS]   (CLIENTS 0: serve forever)", 2, 3, args, async a =>
            {
                string host = a[0];
                int clients = a.Length > 2 ? Cli.Number(a[2], "CLIENTS") : 0;
                using Socket server = Net.CreateServer(host, Cli.Port(a[1]), Cli.Family(host));
                Cli.Listening(server.GetSockName());
                var sessions = new List<Task>();
                for (int accepted = 0; clients == 0 || accepted < clients; accepted++)
                {
                    (Socket conn, SocketAddress peer) = await server.AcceptAsync();
                    // Not awaited here: the next accept starts while this client is served.
                    sessions.Add(EchoAsync(conn, Cli.Text(peer)));
                }
                await Task.WhenAll(sessions);
                return 0;
            });

        private static async Task EchoAsync(Socket conn, string peer)
        {
            using (conn)
            {
                Console.WriteLine($"{peer} connected");
                var line = new List<byte>();
                var buffer = new byte[4096];
                try
                {
                    for (int n; (n = await conn.RecvIntoAsync(buffer)) > 0;)
                    {
                        // A recv is not a line: lines may arrive split or several at once.
                        for (int i = 0; i < n; i++)
                        {
                            if (buffer[i] != '\n')
                            {
                                line.Add(buffer[i]);
                                continue;
                            }
                            string text = Encoding.UTF8.GetString(line.ToArray());
                            line.Clear();
                            Console.WriteLine($"{peer}: {text}");
                            await conn.SendAllAsync(Encoding.UTF8.GetBytes($"echo: {text}\n"));
                        }
                    }
                }
                catch (ConnectionException)
                {
                    // reset by the peer: gone, like an EOF
                }
                Console.WriteLine($"{peer} disconnected");
            }
        }
    }
}
