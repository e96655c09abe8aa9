using System;
using System.IO;
using System.Text;

namespace Polysock.Examples
{
    // HTTP is just text over TCP: read the request head up to its blank line, write a
    // status line, headers, a blank line and the body. Try it with curl.
    internal static class HttpHello
    {
        private const int MaxHead = 65536;

        public static int Run(string[] args) =>
            Cli.Run("http_hello", "HOST PORT [COUNT]   (PORT 0: any free port; COUNT 0: forever)", 2, 3, args, a =>
            {
                string host = a[0];
                int count = a.Length > 2 ? Cli.Number(a[2], "COUNT") : 0;
                byte[] body = Encoding.UTF8.GetBytes("hello from polysock csharp\n");
                // Content-Length counts bytes, and Connection: close tells the client that
                // the end of the stream is the end of the answer.
                byte[] head = Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                using Socket server = Net.CreateServer(host, Cli.Port(a[1]), Cli.Family(host));
                Cli.Listening(server.GetSockName());
                for (int served = 0; count == 0 || served < count; served++)
                {
                    (Socket conn, SocketAddress peer) = server.Accept();
                    using (conn)
                    {
                        try
                        {
                            conn.SetTimeout(5.0); // a client that never finishes its request is dropped
                            string request = ReadHead(conn);
                            conn.SendAll(head);
                            conn.SendAll(body);
                            string first = request.Split("\r\n")[0];
                            Console.WriteLine($"{Cli.Text(peer)} \"{first}\" 200");
                        }
                        catch (Exception e) when (e is ConnectionException or SocketTimeoutException)
                        {
                            // A client that hung up or stalled is dropped; the others are still served.
                            Console.Error.WriteLine($"http_hello: {Cli.Text(peer)}: {e.Message}");
                        }
                    }
                }
                return 0;
            });

        // The request up to its blank line (or EOF, or MaxHead bytes).
        private static string ReadHead(Socket conn)
        {
            var head = new MemoryStream();
            while (head.Length < MaxHead && !Encoding.Latin1.GetString(head.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                byte[] data = conn.Recv(4096);
                if (data.Length == 0)
                {
                    break;
                }
                head.Write(data);
            }
            return Encoding.Latin1.GetString(head.ToArray());
        }
    }
}
