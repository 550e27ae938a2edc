using System;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SocketIo.Core.EngineIo.Tls
{
    /// <summary>
    /// One connection's server-certificate policy: the platform's verdict by default; everything with
    /// <see cref="EngineOptions.SkipCertificateCheck"/>; with private certificate authorities, the chain must end at
    /// one of them (they replace the system roots, as node's <c>ca</c> option does) while the host name and the other
    /// chain checks still apply. Pure: it never touches process-wide state.
    /// </summary>
    internal sealed class CertificateValidator
    {
        private readonly bool _skip;
        private readonly X509Certificate2Collection _authorities;
        private volatile string? _lastFailure;

        // Never changed: the policy of every connection without private authorities shares it.
        private static readonly X509Certificate2Collection NoAuthorities = new X509Certificate2Collection();

        public CertificateValidator(bool skip, X509Certificate2Collection authorities)
        {
            _skip = skip;
            _authorities = authorities.Count == 0 ? NoAuthorities : new X509Certificate2Collection(authorities);
        }

        public static CertificateValidator For(EngineOptions options) =>
            new CertificateValidator(options.SkipCertificateCheck, options.HasCertificateAuthorities ? options.CertificateAuthorities : NoAuthorities);

        /// <summary>True when the platform's default validation is exactly this policy (no callback needed).</summary>
        public bool IsPlatformDefault => !_skip && _authorities.Count == 0;

        /// <summary>Why the last certificate was refused, for the error message.</summary>
        public string? LastFailure => _lastFailure;

        public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (_skip) return true;
            if (_authorities.Count == 0)
            {
                if (errors == SslPolicyErrors.None) return true;
                return Refuse(DescribePlatformErrors(errors, chain));
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return Refuse("the server sent no certificate");
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                return Refuse("the certificate is not for this host name (name mismatch)");
            if (certificate == null) return Refuse("the server sent no certificate");
            return ValidateAgainstAuthorities(certificate, chain);
        }

        private bool ValidateAgainstAuthorities(X509Certificate certificate, X509Chain? serverChain)
        {
            using var owned = certificate is X509Certificate2 ? null : new X509Certificate2(certificate);
            var leaf = owned ?? (X509Certificate2)certificate;
            using var custom = new X509Chain();
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // private CAs rarely publish revocation lists
            custom.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
            custom.ChainPolicy.ExtraStore.AddRange(_authorities);
            if (serverChain != null)
                foreach (var element in serverChain.ChainElements)
                    if (!element.Certificate.RawData.AsSpan().SequenceEqual(leaf.RawData)) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            custom.Build(leaf);

            int anchor = -1;
            for (int i = 0; i < custom.ChainElements.Count && anchor < 0; i++)
                if (IsAuthority(custom.ChainElements[i].Certificate)) anchor = i;
            if (anchor < 0) return Refuse("the certificate chain does not lead to the given certificate authority");

            for (int i = 0; i <= anchor; i++)
                foreach (var status in custom.ChainElements[i].ChainElementStatus)
                {
                    // The anchor is trusted because the caller named it, not because the system knows it.
                    if (status.Status == X509ChainStatusFlags.NoError || status.Status == X509ChainStatusFlags.UntrustedRoot
                        || status.Status == X509ChainStatusFlags.PartialChain)
                        continue;
                    return Refuse($"the certificate chain is invalid: {status.Status} ({status.StatusInformation.Trim()}) at '{custom.ChainElements[i].Certificate.Subject}'");
                }
            return true;
        }

        private bool IsAuthority(X509Certificate2 candidate)
        {
            foreach (var authority in _authorities)
                if (authority.RawData.AsSpan().SequenceEqual(candidate.RawData)) return true;
            return false;
        }

        private bool Refuse(string why)
        {
            _lastFailure = why;
            return false;
        }

        internal static string DescribePlatformErrors(SslPolicyErrors errors, X509Chain? chain)
        {
            var text = new StringBuilder();
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) text.Append("the server sent no certificate; ");
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) text.Append("the certificate is not for this host name; ");
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                text.Append("the certificate chain is not trusted");
                if (chain != null && chain.ChainStatus.Length > 0)
                {
                    text.Append(" (");
                    for (int i = 0; i < chain.ChainStatus.Length; i++)
                        text.Append(i > 0 ? ", " : "").Append(chain.ChainStatus[i].Status);
                    text.Append(')');
                }
                text.Append("; ");
            }
            return text.ToString().TrimEnd(' ', ';');
        }
    }
}
