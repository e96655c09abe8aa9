using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Polysock.Tests
{
    /// <summary>5,000 pending RecvAsync on 5,000 loopback connections: no thread per wait.</summary>
    public class AsyncScaleTests
    {
        private const int Connections = 5000;
        private readonly ITestOutputHelper _output;

        public AsyncScaleTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public async Task Five_thousand_pending_receives_keep_the_process_under_40_threads()
        {
            using Socket listener = Net.CreateServer("127.0.0.1", 0, backlog: 4096);
            int port = listener.GetSockName().Port;
            var clients = new List<Socket>(Connections);
            var servers = new List<Socket>(Connections);
            try
            {
                for (int i = 0; i < Connections; i++)
                {
                    clients.Add(Net.CreateConnection("127.0.0.1", port));
                    servers.Add(listener.Accept().Connection);
                }
                var pending = servers.Select(s => s.RecvAsync(16).AsTask()).ToArray();
                await Task.Delay(200);
                Assert.All(pending, p => Assert.False(p.IsCompleted));
                int waiting = Support.ThreadCount();
                Assert.True(waiting < 40, $"{waiting} threads with {Connections} pending receives");

                for (int i = 0; i < Connections; i++)
                {
                    clients[i].SendAll(System.BitConverter.GetBytes(i));
                }
                byte[][] results = await Task.WhenAll(pending).WaitAsync(System.TimeSpan.FromSeconds(60));
                for (int i = 0; i < Connections; i++)
                {
                    Assert.Equal(i, System.BitConverter.ToInt32(results[i]));
                }
                int after = Support.ThreadCount();
                _output.WriteLine($"threads: {waiting} with {Connections} receives pending, {after} after they completed");
                Assert.True(after < 40, $"{after} threads after {Connections} completions");
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
                servers.ForEach(s => s.Dispose());
            }
        }
    }
}
