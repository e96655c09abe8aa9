using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Polysock.Examples
{
    // One application, ten programs: the first argument names the program (the
    // wrappers in bin/ pass it), the rest are the program's own arguments.
    internal static class Program
    {
        private static readonly Dictionary<string, Func<string[], Task<int>>> Programs = new()
        {
            ["greeting_server"] = a => Task.FromResult(GreetingServer.Run(a)),
            ["greeting_client"] = a => Task.FromResult(GreetingClient.Run(a)),
            ["file_send"] = a => Task.FromResult(FileSend.Run(a)),
            ["file_receive"] = a => Task.FromResult(FileReceive.Run(a)),
            ["multi_client_server"] = MultiClientServer.Run,
            ["multi_client"] = a => Task.FromResult(MultiClient.Run(a)),
            ["reuse_address"] = a => Task.FromResult(ReuseAddress.Run(a)),
            ["lookup"] = a => Task.FromResult(Lookup.Run(a)),
            ["udp_echo"] = a => Task.FromResult(UdpEcho.Run(a)),
            ["http_hello"] = a => Task.FromResult(HttpHello.Run(a)),
        };

        private static async Task<int> Main(string[] args)
        {
            if (args.Length == 0 || !Programs.TryGetValue(args[0], out Func<string[], Task<int>>? program))
            {
                Console.Error.WriteLine("usage: PolysockExamples PROGRAM ARGS... (PROGRAM: " + string.Join(", ", Programs.Keys) + ")");
                return 2;
            }
            return await program(args[1..]);
        }
    }
}
