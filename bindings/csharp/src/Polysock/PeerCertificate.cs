using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Polysock.Native;

namespace Polysock
{
    /// <summary>
    /// The peer's certificate, as Python's <c>getpeercert()</c> dict (the fields under
    /// Python's names in .NET casing) and <c>getpeercert(binary_form=True)</c>
    /// (<see cref="Der"/>). Python's dict is empty when the certificate was not validated
    /// (a context with CERT_NONE): <see cref="Validated"/> says so, and the fields hold
    /// what the certificate says anyway.
    /// </summary>
    public sealed class PeerCertificate
    {
        private readonly byte[] _der;

        private PeerCertificate(bool validated, int version, string serialNumber, string notBefore, string notAfter,
            IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> subject,
            IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> issuer,
            IReadOnlyList<(string Type, string Value)> subjectAltName, byte[] der)
        {
            Validated = validated;
            Version = version;
            SerialNumber = serialNumber;
            NotBefore = notBefore;
            NotAfter = notAfter;
            Subject = subject;
            Issuer = issuer;
            SubjectAltName = subjectAltName;
            _der = der;
        }

        /// <summary>True if the certificate was verified (Python's getpeercert() is <c>{}</c> otherwise).</summary>
        public bool Validated { get; }

        /// <summary>'subject': the RDNs, each a list of (attribute, value), e.g. [[("commonName", "localhost")]].</summary>
        public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Subject { get; }

        /// <summary>'issuer', as <see cref="Subject"/>.</summary>
        public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Issuer { get; }

        /// <summary>'subjectAltName': (type, value) pairs, e.g. ("DNS", "localhost"), ("IP Address", "127.0.0.1").</summary>
        public IReadOnlyList<(string Type, string Value)> SubjectAltName { get; }

        /// <summary>'version', e.g. 3.</summary>
        public int Version { get; }

        /// <summary>'serialNumber': upper-case hex.</summary>
        public string SerialNumber { get; }

        /// <summary>'notBefore', as Python's text: "Dec  2 03:15:37 2026 GMT".</summary>
        public string NotBefore { get; }

        /// <summary>'notAfter', as Python's text.</summary>
        public string NotAfter { get; }

        /// <summary><see cref="NotBefore"/> as a UTC <see cref="DateTime"/> (Python's <c>ssl.cert_time_to_seconds</c>).</summary>
        public DateTime NotBeforeUtc => ParseTime(NotBefore);

        /// <summary><see cref="NotAfter"/> as a UTC <see cref="DateTime"/>.</summary>
        public DateTime NotAfterUtc => ParseTime(NotAfter);

        /// <summary>getpeercert(binary_form=True): the DER bytes (a copy).</summary>
        public byte[] Der => (byte[])_der.Clone();

        /// <summary>The certificate as .NET's <see cref="X509Certificate2"/> (from <see cref="Der"/>).</summary>
        public X509Certificate2 ToX509Certificate2()
        {
#if NET9_0_OR_GREATER
            return X509CertificateLoader.LoadCertificate(_der);
#else
            return new X509Certificate2(_der);
#endif
        }

        /// <summary>The commonName of the subject, or null (a convenience; the first one if several).</summary>
        public string? SubjectCommonName => First(Subject, "commonName");

        private static string? First(IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> rdns, string name)
        {
            foreach (IReadOnlyList<KeyValuePair<string, string>> rdn in rdns)
            {
                foreach (KeyValuePair<string, string> pair in rdn)
                {
                    if (pair.Key == name)
                    {
                        return pair.Value;
                    }
                }
            }
            return null;
        }

        /// <summary>ssl.cert_time_to_seconds's format: "MMM d HH:mm:ss yyyy GMT" (the day padded with a space).</summary>
        internal static DateTime ParseTime(string text)
        {
            string collapsed = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            return DateTime.ParseExact(collapsed, "MMM d HH:mm:ss yyyy 'GMT'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        }

        /// <summary>Python's repr of the getpeercert() dict (<c>{}</c> when not validated).</summary>
        public override string ToString()
        {
            if (!Validated)
            {
                return "{}";
            }
            var s = new StringBuilder("{'subject': ");
            Tuple(s, Subject, rdn => Tuple(s, rdn, pair => Pair(s, pair.Key, pair.Value)));
            s.Append(", 'issuer': ");
            Tuple(s, Issuer, rdn => Tuple(s, rdn, pair => Pair(s, pair.Key, pair.Value)));
            s.Append(CultureInfo.InvariantCulture, $", 'version': {Version}, 'serialNumber': ");
            Str(s, SerialNumber);
            s.Append(", 'notBefore': ");
            Str(s, NotBefore);
            s.Append(", 'notAfter': ");
            Str(s, NotAfter);
            if (SubjectAltName.Count > 0)
            {
                s.Append(", 'subjectAltName': ");
                Tuple(s, SubjectAltName, san => Pair(s, san.Type, san.Value));
            }
            return s.Append('}').ToString();
        }

        // Python's tuple repr: "(a, b)", "(a,)", "()".
        private static void Tuple<T>(StringBuilder s, IReadOnlyList<T> items, Action<T> item)
        {
            s.Append('(');
            for (int i = 0; i < items.Count; i++)
            {
                if (i > 0)
                {
                    s.Append(", ");
                }
                item(items[i]);
            }
            s.Append(items.Count == 1 ? ",)" : ")");
        }

        private static void Pair(StringBuilder s, string a, string b)
        {
            s.Append('(');
            Str(s, a);
            s.Append(", ");
            Str(s, b);
            s.Append(')');
        }

        // Python's str repr for printable text: single quotes unless the text holds one.
        private static void Str(StringBuilder s, string text)
        {
            char quote = text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
            s.Append(quote);
            foreach (char c in text)
            {
                if (c == '\\' || c == quote)
                {
                    s.Append('\\');
                }
                s.Append(c);
            }
            s.Append(quote);
        }

        // ---- reading a tls_cert ----

        /// <summary>Reads and frees a tls_cert (NULL: null).</summary>
        internal static PeerCertificate? Take(IntPtr cert)
        {
            if (cert == IntPtr.Zero)
            {
                return null;
            }
            try
            {
                return Read(cert);
            }
            finally
            {
                PolysockNative.tls_cert_free(cert);
            }
        }

        internal const int ListSubject = 0;
        internal const int ListIssuer = 1;
        internal const int ListSan = 2;

        private static unsafe PeerCertificate Read(IntPtr cert)
        {
            RawCertInfo info;
            Errors.Check(PolysockNative.tls_cert_get_info(cert, (IntPtr)(&info)));
            var subject = Rdns(cert, ListSubject);
            var issuer = Rdns(cert, ListIssuer);
            var san = new List<(string, string)>();
            foreach ((int _, string name, string value) in Entries(cert, ListSan))
            {
                san.Add((name, value));
            }
            return new PeerCertificate(info.Validated != 0, info.Version, Text.Decode(info.SerialNumber, 80),
                Text.Decode(info.NotBefore, 32), Text.Decode(info.NotAfter, 32), subject, issuer, san, ReadDer(cert));
        }

        private static List<IReadOnlyList<KeyValuePair<string, string>>> Rdns(IntPtr cert, int list)
        {
            var rdns = new List<IReadOnlyList<KeyValuePair<string, string>>>();
            List<KeyValuePair<string, string>>? current = null;
            int currentRdn = -1;
            foreach ((int rdn, string name, string value) in Entries(cert, list))
            {
                if (current == null || rdn != currentRdn)
                {
                    current = new List<KeyValuePair<string, string>>();
                    rdns.Add(current);
                    currentRdn = rdn;
                }
                current.Add(new KeyValuePair<string, string>(name, value));
            }
            return rdns;
        }

        private static unsafe List<(int Rdn, string Name, string Value)> Entries(IntPtr cert, int list)
        {
            Errors.Check(PolysockNative.tls_cert_entry_count(cert, list, out nuint count));
            var entries = new List<(int, string, string)>((int)Math.Min(count, 1024));
            RawCertEntry entry;
            for (nuint i = 0; i < count; i++)
            {
                Errors.Check(PolysockNative.tls_cert_get_entry(cert, list, i, (IntPtr)(&entry)));
                entries.Add((entry.Rdn, Text.Decode(entry.Name, 64), Text.Decode(entry.Value, 1024)));
            }
            return entries;
        }

        private static unsafe byte[] ReadDer(IntPtr cert)
        {
            byte* probe = stackalloc byte[1];
            int st = PolysockNative.tls_cert_der(cert, (IntPtr)probe, 0, out nuint n);
            if (st < 0 && st != Errors.ErrRange)
            {
                throw Errors.Capture(st);
            }
            byte[] der = new byte[(int)n];
            fixed (byte* p = der)
            {
                Errors.Check(PolysockNative.tls_cert_der(cert, Socket.Ptr(p), n, out n));
            }
            return der.Length == (int)n ? der : der.AsSpan(0, (int)n).ToArray();
        }
    }
}
