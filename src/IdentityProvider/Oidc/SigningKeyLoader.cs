using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.Oidc;

/// <summary>Reads the configured token keys, or generates and persists them once for the embedded default.</summary>
internal static class SigningKeyLoader
{
    public static (SecurityKey Signing, SecurityKey Encryption) Load(OidcKeyOptions options, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKeyPath) || !string.IsNullOrWhiteSpace(options.EncryptionKeyPath))
        {
            if (string.IsNullOrWhiteSpace(options.SigningKeyPath) || string.IsNullOrWhiteSpace(options.EncryptionKeyPath))
            {
                throw new InvalidOperationException("Set both Oidc:Keys:SigningKeyPath and Oidc:Keys:EncryptionKeyPath.");
            }

            var encryption = ReadKey(options.EncryptionKeyPath, options.EncryptionKeyPassword, environment);
            if (encryption is ECDsaSecurityKey || encryption is X509SecurityKey { PublicKey: ECDsa })
            {
                throw new InvalidOperationException(
                    "Oidc:Keys:EncryptionKeyPath holds an elliptic-curve key; tokens are encrypted with RSA-OAEP, so the encryption key must be RSA. " +
                    "Elliptic-curve keys (P-256, ES256) are for Oidc:Keys:SigningKeyPath.");
            }

            return (ReadKey(options.SigningKeyPath, options.SigningKeyPassword, environment), encryption);
        }

        if (environment.IsProduction())
        {
            throw new InvalidOperationException(
                "No token keys are configured. In production set Oidc:Keys:SigningKeyPath and Oidc:Keys:EncryptionKeyPath " +
                "to PEM or PKCS#12 files (see README, 'Configure it'); generated development keys are not used in production.");
        }

        if (string.IsNullOrWhiteSpace(options.GeneratedKeysDirectory))
        {
            throw new InvalidOperationException(
                "No token keys are configured. Set Oidc:Keys:SigningKeyPath and Oidc:Keys:EncryptionKeyPath, or, outside " +
                "production, Oidc:Keys:GeneratedKeysDirectory to have keys generated once and kept there.");
        }

        var directory = Path.GetFullPath(options.GeneratedKeysDirectory, environment.ContentRootPath);
        Directory.CreateDirectory(directory);
        return (GetOrCreate(Path.Combine(directory, "signing-key.pem")), GetOrCreate(Path.Combine(directory, "encryption-key.pem")));
    }

    private static SecurityKey ReadKey(string path, string? password, IHostEnvironment environment)
    {
        var fullPath = Path.GetFullPath(path, environment.ContentRootPath);
        if (!File.Exists(fullPath))
        {
            throw new InvalidOperationException($"The token key file '{fullPath}' does not exist.");
        }

        var extension = Path.GetExtension(fullPath);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(fullPath, password, X509KeyStorageFlags.EphemeralKeySet);
            return new X509SecurityKey(certificate);
        }

        var pem = File.ReadAllText(fullPath);
        if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            return new X509SecurityKey(X509Certificate2.CreateFromPem(pem, pem));
        }

        return ToSecurityKey(pem);
    }

    private static AsymmetricSecurityKey GetOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            using var rsa = RSA.Create(2048);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, path, overwrite: false);
        }

        return ToSecurityKey(File.ReadAllText(path));
    }

    /// <summary>
    /// An RSA key (tokens signed RS256) or an elliptic-curve key on P-256 (ES256, an ECDSA signature costs a fraction of an
    /// RSA one), in PKCS#8 (<c>BEGIN PRIVATE KEY</c>), PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>) or SEC 1 (<c>BEGIN EC PRIVATE KEY</c>) form.
    /// </summary>
    private static AsymmetricSecurityKey ToSecurityKey(string pem)
    {
        AsymmetricSecurityKey key;
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            key = new RsaSecurityKey(rsa);
        }
        catch (Exception rsaError) when (rsaError is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            var ecdsa = ECDsa.Create();
            try
            {
                ecdsa.ImportFromPem(pem);
            }
            catch (Exception ecError) when (ecError is CryptographicException or ArgumentException)
            {
                ecdsa.Dispose();
                throw new InvalidOperationException("The token key file holds neither an RSA nor an elliptic-curve private key in PEM form.", rsaError);
            }

            var curve = ecdsa.ExportParameters(false).Curve.Oid;
            if (curve.Value != "1.2.840.10045.3.1.7" && curve.FriendlyName is not ("nistP256" or "ECDSA_P256"))
            {
                ecdsa.Dispose();
                throw new InvalidOperationException("An elliptic-curve token key must be on the P-256 curve (ES256).");
            }

            key = new ECDsaSecurityKey(ecdsa);
        }

        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }
}
