using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Text.Json;

namespace SocketIo
{
    /// <summary>Where a saved printer's API key comes from.</summary>
    public enum OctoPrintKeySource
    {
        /// <summary>Stored encrypted with the user's Windows data-protection key (DPAPI); Windows only.</summary>
        ProtectedKey,
        /// <summary>Read from an environment variable when connecting; only the variable's name is stored.</summary>
        EnvironmentVariable,
        /// <summary>Read with PowerShell SecretManagement's Get-Secret when connecting; only the secret's name is stored.</summary>
        SecretManagement,
    }

    /// <summary>A named printer saved across sessions (New-OctoPrintSavedPrinter): its address and where its API key
    /// comes from. Never holds the key in plain text. <c>Get-OctoPrintSavedPrinter | Connect-OctoPrint</c> connects.</summary>
    public sealed class OctoPrintSavedPrinter
    {
        internal OctoPrintSavedPrinter(string name, Uri uri, OctoPrintKeySource keySource)
        {
            Name = name;
            Uri = uri;
            KeySource = keySource;
        }

        public string Name { get; }
        public Uri Uri { get; }
        public OctoPrintKeySource KeySource { get; }
        /// <summary>The environment variable holding the key (KeySource EnvironmentVariable).</summary>
        public string? EnvironmentVariable { get; internal set; }
        /// <summary>The SecretManagement secret holding the key (KeySource SecretManagement).</summary>
        public string? SecretName { get; internal set; }
        /// <summary>The SecretManagement vault, when one was named.</summary>
        public string? SecretVault { get; internal set; }
        /// <summary>Connect over plain http to a non-loopback host (Connect-OctoPrint -AllowUnencryptedAuthentication).</summary>
        public bool AllowUnencryptedAuthentication { get; internal set; }
        public DateTime SavedAt { get; internal set; }

        /// <summary>The DPAPI-protected key, base64 (KeySource ProtectedKey); meaningless without the user's Windows key.</summary>
        internal string? ProtectedKey { get; set; }

        /// <summary>Where the key comes from, for display: the variable, the secret, or "(protected)".</summary>
        public string KeyReference => KeySource switch
        {
            OctoPrintKeySource.EnvironmentVariable => "$env:" + EnvironmentVariable,
            OctoPrintKeySource.SecretManagement => SecretVault != null ? $"{SecretVault}/{SecretName}" : SecretName ?? string.Empty,
            _ => "(DPAPI, current user)",
        };

        public override string ToString() => $"{Name} ({Uri})";
    }

    /// <summary>
    /// The saved printers file: JSON in the user's application-data folder (<c>%APPDATA%\SocketIo\octoprint-printers.json</c>,
    /// <c>~/.config/SocketIo/octoprint-printers.json</c>), or the file named by <c>SOCKETIO_OCTOPRINT_PRINTERS</c>.
    /// API keys are in it only DPAPI-protected (Windows); elsewhere only references (environment variable, secret name).
    /// </summary>
    internal static class SavedPrinterStore
    {
        public const string PathVariable = "SOCKETIO_OCTOPRINT_PRINTERS";

        public static string FilePath
        {
            get
            {
                var overridden = Environment.GetEnvironmentVariable(PathVariable);
                if (!string.IsNullOrWhiteSpace(overridden)) return Path.GetFullPath(overridden);
                var appData = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
                if (string.IsNullOrEmpty(appData))
                    appData = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
                return Path.Combine(appData, "SocketIo", "octoprint-printers.json");
            }
        }

        public static List<OctoPrintSavedPrinter> Load()
        {
            var path = FilePath;
            var list = new List<OctoPrintSavedPrinter>();
            if (!File.Exists(path)) return list;
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!document.RootElement.TryGetProperty("printers", out var printers) || printers.ValueKind != JsonValueKind.Array) return list;
            foreach (var item in printers.EnumerateArray())
            {
                string? Text(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var name = Text("name");
                var uri = Text("uri");
                if (name == null || uri == null || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed)) continue;
                if (!Enum.TryParse<OctoPrintKeySource>(Text("keySource"), out var source)) continue;
                list.Add(new OctoPrintSavedPrinter(name, parsed, source)
                {
                    ProtectedKey = Text("protectedKey"),
                    EnvironmentVariable = Text("environmentVariable"),
                    SecretName = Text("secretName"),
                    SecretVault = Text("secretVault"),
                    AllowUnencryptedAuthentication = item.TryGetProperty("allowUnencryptedAuthentication", out var a) && a.ValueKind == JsonValueKind.True,
                    SavedAt = DateTime.TryParse(Text("savedAt"), null, System.Globalization.DateTimeStyles.RoundtripKind, out var at) ? at : DateTime.MinValue,
                });
            }
            return list;
        }

        /// <summary>Writes the whole list (to a temporary file first, then replaces the old one).</summary>
        public static void Save(IEnumerable<OctoPrintSavedPrinter> printers)
        {
            var path = FilePath;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", 1);
                writer.WriteStartArray("printers");
                foreach (var p in printers.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", p.Name);
                    writer.WriteString("uri", p.Uri.ToString());
                    writer.WriteString("keySource", p.KeySource.ToString());
                    if (p.ProtectedKey != null) writer.WriteString("protectedKey", p.ProtectedKey);
                    if (p.EnvironmentVariable != null) writer.WriteString("environmentVariable", p.EnvironmentVariable);
                    if (p.SecretName != null) writer.WriteString("secretName", p.SecretName);
                    if (p.SecretVault != null) writer.WriteString("secretVault", p.SecretVault);
                    writer.WriteBoolean("allowUnencryptedAuthentication", p.AllowUnencryptedAuthentication);
                    writer.WriteString("savedAt", p.SavedAt.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            var temporary = path + ".tmp";
            File.WriteAllBytes(temporary, buffer.ToArray());
            if (File.Exists(path)) File.Replace(temporary, path, null);
            else File.Move(temporary, path);
        }
    }

    /// <summary>
    /// Windows DPAPI (CryptProtectData, current user) by P/Invoke: no package, the same on Windows PowerShell 5.1 and
    /// PowerShell 7. The key goes from the SecureString to unmanaged memory and back, never through a managed string.
    /// </summary>
    internal static class Dpapi
    {
        private const int UiForbidden = 0x1;
        private static readonly byte[] Entropy = Encoding.UTF8.GetBytes("SocketIo.OctoPrint.ApiKey.v1");

        public static bool IsAvailable => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public static string Protect(SecureString secret)
        {
            if (!IsAvailable) throw new PlatformNotSupportedException("DPAPI exists on Windows only.");
            IntPtr plain = Marshal.SecureStringToGlobalAllocUnicode(secret);
            var entropy = GCHandle.Alloc(Entropy, GCHandleType.Pinned);
            var output = new DataBlob();
            try
            {
                var input = new DataBlob { Size = secret.Length * 2, Data = plain };
                var entropyBlob = new DataBlob { Size = Entropy.Length, Data = entropy.AddrOfPinnedObject() };
                if (!CryptProtectData(ref input, "OctoPrint API key", ref entropyBlob, IntPtr.Zero, IntPtr.Zero, UiForbidden, ref output))
                    throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error());
                var bytes = new byte[output.Size];
                Marshal.Copy(output.Data, bytes, 0, output.Size);
                return Convert.ToBase64String(bytes);
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(plain);
                entropy.Free();
                if (output.Data != IntPtr.Zero) LocalFree(output.Data);
            }
        }

        public static SecureString Unprotect(string protectedBase64)
        {
            if (!IsAvailable) throw new PlatformNotSupportedException("DPAPI exists on Windows only.");
            var bytes = Convert.FromBase64String(protectedBase64);
            var pinned = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            var entropy = GCHandle.Alloc(Entropy, GCHandleType.Pinned);
            var output = new DataBlob();
            try
            {
                var input = new DataBlob { Size = bytes.Length, Data = pinned.AddrOfPinnedObject() };
                var entropyBlob = new DataBlob { Size = Entropy.Length, Data = entropy.AddrOfPinnedObject() };
                if (!CryptUnprotectData(ref input, IntPtr.Zero, ref entropyBlob, IntPtr.Zero, IntPtr.Zero, UiForbidden, ref output))
                    throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error());
                var secure = new SecureString();
                for (int i = 0; i < output.Size / 2; i++) secure.AppendChar((char)Marshal.ReadInt16(output.Data, i * 2));
                secure.MakeReadOnly();
                return secure;
            }
            finally
            {
                pinned.Free();
                entropy.Free();
                if (output.Data != IntPtr.Zero)
                {
                    for (int i = 0; i < output.Size; i++) Marshal.WriteByte(output.Data, i, 0);
                    LocalFree(output.Data);
                }
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct DataBlob
        {
            public int Size;
            public IntPtr Data;
        }

        [DllImport("crypt32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern bool CryptProtectData(ref DataBlob dataIn, string description, ref DataBlob entropy, IntPtr reserved,
            IntPtr prompt, int flags, ref DataBlob dataOut);

        [DllImport("crypt32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern bool CryptUnprotectData(ref DataBlob dataIn, IntPtr description, ref DataBlob entropy, IntPtr reserved,
            IntPtr prompt, int flags, ref DataBlob dataOut);

        [DllImport("kernel32.dll")]
        private static extern IntPtr LocalFree(IntPtr memory);
    }
}
