using System;
using System.Buffers.Binary;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace Polysock.Examples
{
    // Receives one file from file_send and checks it: the size announced against the
    // bytes that came, the SHA-256 sent against the SHA-256 of what was written. The
    // reply tells the sender, so both sides know whether the copy is good.
    internal static class FileReceive
    {
        public static int Run(string[] args) =>
            Cli.Run("file_receive", "HOST PORT OUTFILE   (PORT 0: any free port)", 3, 3, args, a =>
            {
                string host = a[0];
                using Socket server = Net.CreateServer(host, Cli.Port(a[1]), Cli.Family(host));
                Cli.Listening(server.GetSockName());
                (Socket conn, _) = server.Accept();
                using (conn)
                {
                    conn.SetTimeout(60.0); // a sender that stalls must not hold us forever
                    string verdict = Receive(conn, a[2]);
                    conn.SendAll(Encoding.UTF8.GetBytes(verdict + "\n"));
                    Console.WriteLine(verdict);
                    return verdict.StartsWith("OK", StringComparison.Ordinal) ? 0 : 1;
                }
            });

        private static string Receive(Socket conn, string path)
        {
            var header = new byte[8];
            if (ReadFully(conn, header) < header.Length)
            {
                return "FAIL connection closed before the length";
            }
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(header);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            ulong got = 0;
            using (FileStream file = File.Create(path))
            {
                var buffer = new byte[65536];
                while (got < size)
                {
                    // Never ask for more than the file has left: what follows is the hash.
                    int n = conn.RecvInto(buffer, 0, (int)Math.Min((ulong)buffer.Length, size - got));
                    if (n == 0)
                    {
                        return $"FAIL size: got {got} of {size} bytes";
                    }
                    file.Write(buffer, 0, n);
                    sha.AppendData(buffer, 0, n);
                    got += (ulong)n;
                }
            }
            var expected = new byte[32];
            if (ReadFully(conn, expected) < expected.Length)
            {
                return "FAIL connection closed before the SHA-256";
            }
            byte[] actual = sha.GetHashAndReset();
            return actual.AsSpan().SequenceEqual(expected)
                ? $"OK {got} {Convert.ToHexStringLower(actual)}"
                : $"FAIL sha256: received {Convert.ToHexStringLower(actual)}, sender said {Convert.ToHexStringLower(expected)}";
        }

        // recv until the buffer is full or EOF: the number of bytes read.
        private static int ReadFully(Socket conn, byte[] buffer)
        {
            int got = 0;
            for (int n; got < buffer.Length && (n = conn.RecvInto(buffer, got, buffer.Length - got)) > 0;)
            {
                got += n;
            }
            return got;
        }
    }
}
