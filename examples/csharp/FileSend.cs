using System;
using System.Buffers.Binary;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace Polysock.Examples
{
    // Sends a file: its length, its bytes, its SHA-256, then waits for the receiver's
    // verdict. The length goes first because TCP has no message boundaries: without it
    // the receiver could not tell the data from the hash that follows.
    internal static class FileSend
    {
        public static int Run(string[] args) =>
            Cli.Run("file_send", "HOST PORT FILE", 3, 3, args, a =>
            {
                using FileStream file = File.OpenRead(a[2]);
                byte[] sha256 = SHA256.HashData(file);
                // A generous timeout: a 50 MiB transfer on a busy machine is slow, but bounded.
                using Socket sock = Net.CreateConnection(a[0], Cli.Port(a[1]), 60.0);
                var length = new byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)file.Length);
                sock.SendAll(length);
                // sendfile lets the kernel copy the file into the socket: no pass through .NET.
                long sent = sock.SendFile(file);
                if (sent != file.Length)
                {
                    throw new IOException($"sent {sent} of {file.Length} bytes");
                }
                sock.SendAll(sha256);
                // Half-close: the receiver sees EOF after the hash, and can still answer.
                sock.Shutdown(Net.SHUT_WR);
                string reply = ReadLine(sock);
                Console.WriteLine(reply);
                return reply.StartsWith("OK", StringComparison.Ordinal) ? 0 : 1;
            });

        private static string ReadLine(Socket sock)
        {
            var line = new MemoryStream();
            var one = new byte[1];
            while (sock.RecvInto(one, 0, 1) == 1 && one[0] != '\n')
            {
                line.WriteByte(one[0]);
            }
            return Encoding.UTF8.GetString(line.ToArray());
        }
    }
}
