using System;
using System.Globalization;
using System.IO;
using System.Text;
using Xunit;

namespace Polysock.Tests
{
    /// <summary>The one test that changes the working directory runs alone.</summary>
    [CollectionDefinition("working directory", DisableParallelization = true)]
    public class WorkingDirectoryGroup
    {
    }

    /// <summary>AF_UNIX addresses as bytes: abstract names with NULs, file paths that begin with '@'.</summary>
    [Collection("working directory")]
    public class UnixAddressTests
    {
        // Python's b"\0python\0test\0" with this process's id after it, so that concurrent
        // runs (abstract names are per network namespace) never collide.
        private static byte[] AbstractName() =>
            Encoding.ASCII.GetBytes("\0python\0test\0" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        [Fact]
        public void An_abstract_name_with_embedded_NULs_binds_and_comes_back_whole()
        {
            byte[] name = AbstractName();
            using var server = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
            server.Bind(name);
            Assert.Equal(name, server.GetSockNameBytes());
            server.Listen();
            using var client = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
            client.SetTimeout(10.0);
            client.Connect(name);
            Assert.Equal(name, client.GetPeerNameBytes());
            Assert.Empty(client.GetSockNameBytes()); // unbound
            (Socket conn, _) = server.Accept();
            using (conn)
            {
                Assert.Equal(name, conn.GetSockNameBytes());
                client.SendAll("abstract"u8);
                conn.SetTimeout(10.0);
                Assert.Equal("abstract"u8.ToArray(), conn.Recv(100));
            }
            // The name is taken now.
            using var again = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
            Assert.Equal(Net.EADDRINUSE, Assert.Throws<PolysockException>(() => again.Bind(name)).Errno);
        }

        [Fact]
        public void Getsockname_gives_the_bytes_that_CPython_gives()
        {
            // CPython on a name of the same shape (its own pid after Python's 13 bytes).
            string python = Support.Python(
                "import os, socket\n"
                + "s = socket.socket(socket.AF_UNIX)\n"
                + "s.bind(b'\\0python\\0test\\0' + str(os.getpid()).encode())\n"
                + "n = s.getsockname()\n"
                + "print(n[:13].hex(), n[13:] == str(os.getpid()).encode())");
            using var s = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
            byte[] name = AbstractName();
            s.Bind(name);
            byte[] got = s.GetSockNameBytes();
            Assert.Equal(python, Convert.ToHexString(got, 0, 13).ToLowerInvariant() + " True");
            Assert.Equal(name.Length, got.Length);
        }

        [Fact]
        public void An_empty_path_autobinds_an_abstract_name()
        {
            using var s = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM);
            s.Bind(ReadOnlySpan<byte>.Empty);
            byte[] name = s.GetSockNameBytes();
            Assert.True(name.Length > 1, "autobind gave " + name.Length + " bytes");
            Assert.Equal(0, name[0]);
            // The same socket seen through the string form: "@" and the rest.
            Assert.Equal("@" + Encoding.ASCII.GetString(name, 1, name.Length - 1), s.GetSockName().Host);
        }

        [Fact]
        public void A_file_path_that_begins_with_an_at_sign_is_a_file()
        {
            string dir = Directory.CreateTempSubdirectory("polysock-cs-").FullName;
            string cwd = Directory.GetCurrentDirectory();
            try
            {
                Directory.SetCurrentDirectory(dir);
                byte[] path = Encoding.ASCII.GetBytes("@sock");
                using var server = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
                server.Bind(path);
                Assert.True(File.Exists(Path.Combine(dir, "@sock")), "no file @sock in the directory");
                Assert.Equal(path, server.GetSockNameBytes());
                server.Listen();
                using var client = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
                client.SetTimeout(10.0);
                client.Connect(path);
                Assert.Equal(path, client.GetPeerNameBytes());
                // The string "@sock" is the abstract name instead: nobody listens there.
                using var other = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
                Assert.Equal(Net.ECONNREFUSED, Assert.Throws<ConnectionRefusedException>(() => other.Connect("@sock")).Errno);
            }
            finally
            {
                Directory.SetCurrentDirectory(cwd);
                Directory.Delete(dir, recursive: true);
            }
        }

        [Fact]
        public void Bad_paths_and_closed_sockets()
        {
            using var s = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
            // sun_path has 108 bytes: a longer path does not fit (CPython's text).
            byte[] longPath = new byte[200];
            longPath.AsSpan().Fill((byte)'x');
            var tooLong = Assert.Throws<PolysockException>(() => s.Bind(longPath)); // OSError without errno
            Assert.Equal("AF_UNIX path too long", tooLong.Message);
            Assert.Equal(0, tooLong.Errno);
            Assert.Equal("AF_UNIX path too long", Assert.Throws<PolysockException>(() => s.Connect(longPath)).Message);
            using var inet = new Socket();
            Assert.Equal("bind(): AF_INET address must be tuple, not bytes", Assert.Throws<ArgumentException>(() => inet.Bind("x"u8)).Message);
            var closed = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
            closed.Dispose();
            foreach (Action call in new Action[]
            {
                () => closed.Bind("x"u8), () => closed.Connect("x"u8), () => closed.GetSockNameBytes(), () => closed.GetPeerNameBytes(),
            })
            {
                Assert.Equal(Net.EBADF, Assert.Throws<PolysockException>(call).Errno);
            }
        }
    }
}
