using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Polysock
{
    /// <summary>
    /// A <see cref="Stream"/> over a connected stream socket (Python's <c>makefile</c>):
    /// reads are recv_into, writes sendall, sync and async. A read returns 0 at the end of
    /// the stream; a zero-byte read waits until data (or the end) arrives and returns 0
    /// without consuming anything, as <c>SslStream</c> and <c>HttpClient</c> expect (on a
    /// TLS socket it returns once decrypted bytes are pending or the socket polls readable).
    /// </summary>
    public sealed class SocketStream : Stream
    {
        private readonly bool _ownsSocket;
        private readonly byte[] _peek = new byte[1];
        private int _disposed;

        /// <summary>A stream over socket; with ownsSocket, disposing the stream closes the socket.</summary>
        public SocketStream(Socket socket, bool ownsSocket = false)
        {
            ArgumentNullException.ThrowIfNull(socket);
            Socket = socket;
            _ownsSocket = ownsSocket;
        }

        /// <summary>The socket under the stream.</summary>
        public Socket Socket { get; }

        /// <inheritdoc/>
        public override bool CanRead => _disposed == 0;

        /// <inheritdoc/>
        public override bool CanWrite => _disposed == 0;

        /// <inheritdoc/>
        public override bool CanSeek => false;

        /// <inheritdoc/>
        public override long Length => throw new NotSupportedException();

        /// <inheritdoc/>
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        private void CheckOpen() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

        /// <inheritdoc/>
        public override int Read(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            return Read(buffer.AsSpan(offset, count));
        }

        /// <inheritdoc/>
        public override int Read(Span<byte> buffer)
        {
            CheckOpen();
            if (buffer.IsEmpty)
            {
                // Waits for data or the end, consumes nothing. A TLS socket takes no
                // MSG_PEEK: it waits until decrypted bytes are pending or it polls readable.
                if (Socket.IsTls)
                {
                    Socket.WaitReadable();
                }
                else
                {
                    Socket.RecvInto(_peek, Net.MSG_PEEK);
                }
                return 0;
            }
            return Socket.RecvInto(buffer);
        }

        /// <inheritdoc/>
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            ValidateBufferArguments(buffer, offset, count);
            return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        }

        /// <inheritdoc/>
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            CheckOpen();
            if (buffer.IsEmpty)
            {
                if (Socket.IsTls)
                {
                    await Socket.WaitReadableAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Socket.RecvIntoAsync(_peek, Net.MSG_PEEK, cancellationToken).ConfigureAwait(false);
                }
                return 0;
            }
            return await Socket.RecvIntoAsync(buffer, 0, cancellationToken).ConfigureAwait(false);
        }

        /// <inheritdoc/>
        public override void Write(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            Write(new ReadOnlySpan<byte>(buffer, offset, count));
        }

        /// <inheritdoc/>
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            CheckOpen();
            Socket.SendAll(buffer);
        }

        /// <inheritdoc/>
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            ValidateBufferArguments(buffer, offset, count);
            return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        }

        /// <inheritdoc/>
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            CheckOpen();
            return Socket.SendAllAsync(buffer, 0, cancellationToken);
        }

        /// <inheritdoc/>
        public override void Flush() { }

        /// <inheritdoc/>
        public override Task FlushAsync(CancellationToken cancellationToken) =>
            cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

        /// <inheritdoc/>
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        /// <inheritdoc/>
        public override void SetLength(long value) => throw new NotSupportedException();

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing && _ownsSocket)
            {
                Socket.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
