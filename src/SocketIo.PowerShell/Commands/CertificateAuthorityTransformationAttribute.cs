using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SocketIo.Core.EngineIo.Tls;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>Lets <c>-CertificateAuthority</c> take certificates or files: a path (PowerShell paths, relative to the
    /// current location) or a FileInfo of a PEM bundle, DER or PKCS#7 file, an X509Certificate2, a collection, or an
    /// array of any of these.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class CertificateAuthorityTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var certificates = new List<X509Certificate2>();
            Add(engineIntrinsics, inputData, certificates, 0);
            return certificates.ToArray();
        }

        private static void Add(EngineIntrinsics engine, object? input, List<X509Certificate2> certificates, int depth)
        {
            var value = input is PSObject wrapped ? wrapped.BaseObject : input;
            switch (value)
            {
                case null:
                    return;
                case X509Certificate2 certificate:
                    certificates.Add(certificate);
                    return;
                case X509Certificate2Collection collection:
                    foreach (var certificate in collection) certificates.Add(certificate);
                    return;
                case FileInfo file:
                    Load(file.FullName, certificates);
                    return;
                case string path:
                    Load(engine.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), certificates);
                    return;
                case IEnumerable items when depth == 0:
                    foreach (var item in items) Add(engine, item, certificates, depth + 1);
                    return;
                default:
                    throw new ArgumentTransformationMetadataException(
                        $"-CertificateAuthority takes X509Certificate2 objects or certificate files (PEM, DER, PKCS#7), not {value.GetType().FullName}.");
            }
        }

        private static void Load(string path, List<X509Certificate2> certificates)
        {
            try
            {
                foreach (var certificate in CertificateFiles.LoadAuthorities(path)) certificates.Add(certificate);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is CryptographicException || e is InvalidDataException)
            {
                throw new ArgumentTransformationMetadataException($"Cannot read certificate authority file '{path}': {e.Message}", e);
            }
        }
    }
}
