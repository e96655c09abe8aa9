using System;

namespace Polysock.Examples
{
    // Why servers set SO_REUSEADDR. The side that closes a TCP connection first keeps it
    // in TIME_WAIT for a minute or two, and while it does, the port cannot be bound again
    // without the option: a server restarted at once fails with errno 98. Linux lets the
    // restart through only if the old socket had the option too (Python's shows the
    // same), so the first server here sets it, as every server should.
    internal static class ReuseAddress
    {
        public static int Run(string[] args) =>
            Cli.Run("reuse_address", "HOST PORT   (PORT 0: a free port)", 2, 2, args, a =>
            {
                string host = a[0];
                int family = Cli.Family(host);
                int port;
                using (var first = new Socket(family, Net.SOCK_STREAM))
                {
                    first.SetSockOpt(Net.SOL_SOCKET, Net.SO_REUSEADDR, 1);
                    first.Bind(host, Cli.Port(a[1]));
                    first.Listen();
                    port = first.GetSockName().Port; // the real one, if PORT was 0
                    Console.WriteLine($"listening on {host}:{port}");
                    using Socket client = Net.CreateConnection(host, port, 5.0);
                    // The server closes first, so the server's side goes to TIME_WAIT; the
                    // client sees EOF and closes too.
                    first.Accept().Connection.Dispose();
                    client.Recv(1);
                }
                Console.WriteLine("connection closed by the server first: its side is in TIME_WAIT");

                using (var again = new Socket(family, Net.SOCK_STREAM))
                {
                    try
                    {
                        again.Bind(host, port);
                        Console.Error.WriteLine("reuse_address: bound again without SO_REUSEADDR; expected errno 98");
                        return 1;
                    }
                    catch (PolysockException e)
                    {
                        Console.WriteLine($"without SO_REUSEADDR: {e.Message}");
                        if (e.Errno != 98)
                        {
                            return 1;
                        }
                    }
                }

                using (var again = new Socket(family, Net.SOCK_STREAM))
                {
                    // Set before Bind(): the option is checked when the address is taken.
                    again.SetSockOpt(Net.SOL_SOCKET, Net.SO_REUSEADDR, 1);
                    again.Bind(host, port);
                    again.Listen();
                    Console.WriteLine($"with SO_REUSEADDR: listening again on {host}:{port}");
                }
                return 0;
            });
    }
}
