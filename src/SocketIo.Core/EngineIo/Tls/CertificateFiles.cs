using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SocketIo.Core.EngineIo.Tls
{
    /// <summary>Reads certificate-authority files: PEM (one or many <c>BEGIN CERTIFICATE</c> blocks, as curl's and
    /// node's <c>ca</c> files are), DER, or PKCS#7. netstandard2.0 has no PEM reader of its own.</summary>
    public static class CertificateFiles
    {
        private const string Begin = "-----BEGIN CERTIFICATE-----";
        private const string End = "-----END CERTIFICATE-----";

        public static X509Certificate2Collection LoadAuthorities(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var collection = new X509Certificate2Collection();
            var text = Encoding.ASCII.GetString(bytes);
            if (text.IndexOf(Begin, StringComparison.Ordinal) >= 0)
            {
                int at = 0;
                while ((at = text.IndexOf(Begin, at, StringComparison.Ordinal)) >= 0)
                {
                    int start = at + Begin.Length;
                    int end = text.IndexOf(End, start, StringComparison.Ordinal);
                    if (end < 0) throw new InvalidDataException($"'{path}' has a certificate block without '{End}'.");
                    byte[] der;
                    try { der = Convert.FromBase64String(text.Substring(start, end - start)); }
                    catch (FormatException e) { throw new InvalidDataException($"'{path}' has a certificate block that is not base64.", e); }
                    collection.Add(new X509Certificate2(der));
                    at = end + End.Length;
                }
                return collection;
            }
            collection.Import(bytes); // DER or PKCS#7
            if (collection.Count == 0) throw new InvalidDataException($"'{path}' holds no certificate.");
            return collection;
        }
    }
}
