using System;
using System.Linq;

namespace Polysock.Examples
{
    // The socket module's name, service and address functions, each printed as Python
    // prints its result. Only HOST (default localhost), 127.0.0.1 and ::1 are looked up.
    internal static class Lookup
    {
        private static readonly string[] Ipv6Examples = ["::1", "2001:db8::1"];

        public static int Run(string[] args) =>
            Cli.Run("lookup", "[HOST]   (default localhost)", 0, 1, args, a =>
            {
                string host = a.Length > 0 ? a[0] : "localhost";
                Console.WriteLine($"gethostname() = '{Net.GetHostName()}'");
                try
                {
                    Console.WriteLine($"gethostbyname('{host}') = '{Net.GetHostByName(host)}'");
                    Console.WriteLine($"gethostbyname_ex('{host}') = {Entry(Net.GetHostByNameEx(host))}");
                }
                catch (PolysockException e)
                {
                    // The gethostbyname family knows IPv4 only, so e.g. ::1 fails as in Python.
                    Console.WriteLine($"gethostbyname('{host}') failed (IPv4 only): {e.Message}");
                }
                Console.WriteLine($"gethostbyaddr('127.0.0.1') = {Entry(Net.GetHostByAddr("127.0.0.1"))}");
                // getaddrinfo is the one to use in real code: it knows IPv4 and IPv6.
                foreach (AddrInfo info in Net.GetAddrInfo(host, 80, type: Net.SOCK_STREAM))
                {
                    Console.WriteLine($"getaddrinfo('{host}', 80, SOCK_STREAM) -> ({info.Family}, {info.Type}, {info.Proto}, '{info.CanonName}', {info.Address})");
                }
                Console.WriteLine($"getservbyname('http', 'tcp') = {Net.GetServByName("http", "tcp")}");
                Console.WriteLine($"getservbyport(80, 'tcp') = '{Net.GetServByPort(80, "tcp")}'");
                Console.WriteLine($"getprotobyname('tcp') = {Net.GetProtoByName("tcp")}");

                byte[] packed = Net.InetAton("127.0.0.1");
                Console.WriteLine($"inet_aton('127.0.0.1') = {Convert.ToHexStringLower(packed)}, inet_ntoa back = '{Net.InetNtoa(packed)}'");
                foreach (string ip in Ipv6Examples)
                {
                    byte[] ip6 = Net.InetPton(Net.AF_INET6, ip);
                    Console.WriteLine($"inet_pton(AF_INET6, '{ip}') = {Convert.ToHexStringLower(ip6)}, inet_ntop back = '{Net.InetNtop(Net.AF_INET6, ip6)}'");
                }
                // inet_pton is also the way to check that a string is an IPv6 address.
                const string bad = "1:2:3:4:5:6:7:8:9";
                try
                {
                    Net.InetPton(Net.AF_INET6, bad);
                    Console.Error.WriteLine($"lookup: inet_pton accepted {bad}");
                    return 1;
                }
                catch (PolysockException e)
                {
                    Console.WriteLine($"inet_pton(AF_INET6, '{bad}') refused: {e.Message}");
                }
                // Network byte order is big-endian; these show the swap on this little-endian host.
                Console.WriteLine($"htons(1) = {Net.Htons(1)}, ntohs({Net.Htons(1)}) = {Net.Ntohs(Net.Htons(1))}");
                Console.WriteLine($"htonl(1) = {Net.Htonl(1)}, ntohl({Net.Htonl(1)}) = {Net.Ntohl(Net.Htonl(1))}");
                return 0;
            });

        // Python's (name, aliases, addresses) tuple.
        private static string Entry(HostEntry e) =>
            $"('{e.Name}', [{string.Join(", ", e.Aliases.Select(x => $"'{x}'"))}], [{string.Join(", ", e.Addresses.Select(x => $"'{x}'"))}])";
    }
}
