using System;

namespace Polysock.Examples
{
    // A UDP echo server. No connection, no accept: each datagram arrives with its
    // sender's address, and the answer goes back to that address.
    internal static class UdpEcho
    {
        public static int Run(string[] args) =>
            Cli.Run("udp_echo", "HOST PORT [COUNT]   (PORT 0: any free port; COUNT 0: forever)", 2, 3, args, a =>
            {
                string host = a[0];
                int count = a.Length > 2 ? Cli.Number(a[2], "COUNT") : 0;
                using var sock = new Socket(Cli.Family(host), Net.SOCK_DGRAM);
                sock.Bind(host, Cli.Port(a[1]));
                Cli.Listening(sock.GetSockName());
                for (int echoed = 0; count == 0 || echoed < count; echoed++)
                {
                    // 65535: the largest datagram there is, so none is cut short.
                    (byte[] data, SocketAddress sender) = sock.RecvFrom(65535);
                    sock.SendTo(data, sender);
                    Console.WriteLine($"echoed {data.Length} bytes to {Cli.Text(sender)}");
                }
                return 0;
            });
    }
}
