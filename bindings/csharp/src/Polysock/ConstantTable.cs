using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Polysock.Native;

namespace Polysock
{
    /// <summary>The host's constants, read once from the native library (net_constant_at).</summary>
    internal static class ConstantTable
    {
        internal static readonly IReadOnlyDictionary<string, long> All = Load();

        private static Dictionary<string, long> Load()
        {
            Errors.Check(PolysockNative.net_constant_count(out nuint count));
            var table = new Dictionary<string, long>((int)count, StringComparer.Ordinal);
            for (nuint i = 0; i < count; i++)
            {
                Errors.Check(PolysockNative.net_constant_at(i, out IntPtr name, out long value));
                table[Marshal.PtrToStringUTF8(name)!] = value;
            }
            return table;
        }

        internal static long Long(string name) =>
            All.TryGetValue(name, out long value) ? value
                : throw new InvalidOperationException("the native library has no constant " + name);

        internal static int Int(string name) => checked((int)Long(name));
    }
}
