using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using SocketIo.PowerShell.Connections;

namespace SocketIo.PowerShell
{
    /// <summary>
    /// On Windows PowerShell 5.1 (.NET Framework) the module's dependencies (System.Text.Json and its closure) live
    /// in Dependencies/ and are resolved from there; on PowerShell 7.4+ the runtime's own copies are used.
    /// Removing the module closes this runspace's connections.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly bool OnNetFramework =
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        private static readonly string DependencyDirectory =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "Dependencies");

        // Older versions of these are requested by the dependencies themselves; the newer shipped file serves them all.
        private static readonly string[] RedirectAnyVersion =
        {
            "System.Buffers", "System.Memory", "System.Numerics.Vectors", "System.Runtime.CompilerServices.Unsafe",
            "System.Threading.Tasks.Extensions", "Microsoft.Bcl.AsyncInterfaces", "System.Text.Encodings.Web",
        };

        public void OnImport()
        {
            if (OnNetFramework)
            {
                AppDomain.CurrentDomain.AssemblyResolve += Resolve;
                return;
            }
            var engine = typeof(PSObject).Assembly.GetName().Version;
            if (engine != null && engine < new Version(7, 4))
                throw new PlatformNotSupportedException(
                    $"SocketIo needs PowerShell 7.4 or later (or Windows PowerShell 5.1); this is PowerShell {engine.Major}.{engine.Minor}.");
        }

        public void OnRemove(PSModuleInfo module)
        {
            if (OnNetFramework) AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
            if (System.Management.Automation.Runspaces.Runspace.DefaultRunspace != null) ConnectionRegistry.Current.CloseAll();
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var requested = new AssemblyName(args.Name);
            var candidate = Path.Combine(DependencyDirectory, requested.Name + ".dll");
            if (!File.Exists(candidate)) return null; // not ours: let other handlers answer
            var shipped = AssemblyName.GetAssemblyName(candidate);
            bool acceptable = requested.Version == null || shipped.Version >= requested.Version
                              || Array.IndexOf(RedirectAnyVersion, requested.Name) >= 0;
            return acceptable ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
