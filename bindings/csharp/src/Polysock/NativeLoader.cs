using System;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Polysock
{
    /// <summary>
    /// Finds the native libraries without LD_LIBRARY_PATH. The host finds them itself for
    /// an application that restored the package (its deps.json lists
    /// runtimes/linux-x64/native); otherwise this resolver looks in the application's
    /// and the assembly's runtimes/linux-x64/native folders and beside the assembly.
    /// libpolysock_csharp.so finds libpolysock.so.1 beside it through its $ORIGIN RPATH.
    /// </summary>
    internal static class NativeLoader
    {
        internal const string WrapperName = "polysock_csharp";

#pragma warning disable CA2255 // a library's module initializer: the resolver must be set before the first P/Invoke
        [ModuleInitializer]
#pragma warning restore CA2255
        internal static void Initialize()
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeLoader).Assembly, Resolve);
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name != WrapperName)
            {
                return IntPtr.Zero;
            }
            if (NativeLibrary.TryLoad(name, assembly, searchPath, out IntPtr handle))
            {
                return handle;
            }
            string file = "lib" + name + ".so";
            string rid = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
            string? assemblyDir = Path.GetDirectoryName(assembly.Location);
            foreach (string? dir in new[] { AppContext.BaseDirectory, assemblyDir })
            {
                if (string.IsNullOrEmpty(dir))
                {
                    continue;
                }
                foreach (string candidate in new[] { Path.Combine(dir, "runtimes", rid, "native", file), Path.Combine(dir, file) })
                {
                    if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out handle))
                    {
                        return handle;
                    }
                }
            }
            return IntPtr.Zero;
        }
    }
}
