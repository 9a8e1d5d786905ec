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

            return (ReadKey(options.SigningKeyPath, options.SigningKeyPassword, environment),
                ReadKey(options.EncryptionKeyPath, options.EncryptionKeyPassword, environment));
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

    private static RsaSecurityKey GetOrCreate(string path)
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

    private static RsaSecurityKey ToSecurityKey(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }
}
