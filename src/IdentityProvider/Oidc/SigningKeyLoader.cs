using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.Oidc;

/// <summary>Reads the configured token keys, or generates and persists them once for the embedded default.</summary>
internal static class SigningKeyLoader
{
    /// <summary>The largest RSA token key accepted, in bits (a signature with a larger key costs too much per token).</summary>
    public const int MaxRsaBits = 8192;

    /// <summary>The largest file a key folder may hold as a key, in bytes (folders are read again on every poll).</summary>
    public const int MaxKeyFileBytes = 64 * 1024;

    /// <summary>
    /// The keys read once at start; <see langword="null"/> for a use whose keys come from a folder
    /// (<see cref="OidcKeyOptions.SigningKeysDirectory"/>, <see cref="OidcKeyOptions.EncryptionKeysDirectory"/>), which
    /// <see cref="TokenKeyRing"/> reads while the server runs.
    /// </summary>
    public static (SecurityKey? Signing, SecurityKey? Encryption) Load(OidcKeyOptions options, IHostEnvironment environment)
    {
        var signingFolder = !string.IsNullOrWhiteSpace(options.SigningKeysDirectory);
        var encryptionFolder = !string.IsNullOrWhiteSpace(options.EncryptionKeysDirectory);
        if (signingFolder && !string.IsNullOrWhiteSpace(options.SigningKeyPath))
        {
            throw new InvalidOperationException("Set Oidc:Keys:SigningKeyPath or Oidc:Keys:SigningKeysDirectory, not both.");
        }

        if (encryptionFolder && !string.IsNullOrWhiteSpace(options.EncryptionKeyPath))
        {
            throw new InvalidOperationException("Set Oidc:Keys:EncryptionKeyPath or Oidc:Keys:EncryptionKeysDirectory, not both.");
        }

        if (signingFolder || encryptionFolder)
        {
            if ((!signingFolder && string.IsNullOrWhiteSpace(options.SigningKeyPath))
                || (!encryptionFolder && string.IsNullOrWhiteSpace(options.EncryptionKeyPath)))
            {
                throw new InvalidOperationException(
                    "Set a signing key (Oidc:Keys:SigningKeysDirectory or Oidc:Keys:SigningKeyPath) and an encryption key " +
                    "(Oidc:Keys:EncryptionKeysDirectory or Oidc:Keys:EncryptionKeyPath).");
            }

            return (
                signingFolder ? null : ReadKey(options.SigningKeyPath!, options.SigningKeyPassword, environment),
                encryptionFolder ? null : ReadEncryptionKey(options.EncryptionKeyPath!, options.EncryptionKeyPassword, environment));
        }

        if (!string.IsNullOrWhiteSpace(options.SigningKeyPath) || !string.IsNullOrWhiteSpace(options.EncryptionKeyPath))
        {
            if (string.IsNullOrWhiteSpace(options.SigningKeyPath) || string.IsNullOrWhiteSpace(options.EncryptionKeyPath))
            {
                throw new InvalidOperationException("Set both Oidc:Keys:SigningKeyPath and Oidc:Keys:EncryptionKeyPath.");
            }

            var encryption = ReadEncryptionKey(options.EncryptionKeyPath, options.EncryptionKeyPassword, environment);
            return (ReadKey(options.SigningKeyPath, options.SigningKeyPassword, environment), encryption);
        }

        if (environment.IsProduction())
        {
            throw new InvalidOperationException(
                "No token keys are configured. In production set Oidc:Keys:SigningKeyPath and Oidc:Keys:EncryptionKeyPath " +
                "to PEM or PKCS#12 files, or Oidc:Keys:SigningKeysDirectory and Oidc:Keys:EncryptionKeysDirectory to folders of " +
                "PEM keys (see README, 'Configure it'); generated development keys are not used in production.");
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

    private static SecurityKey ReadEncryptionKey(string path, string? password, IHostEnvironment environment)
    {
        var encryption = ReadKey(path, password, environment);
        RequireRsaForEncryption(encryption, "Oidc:Keys:EncryptionKeyPath holds an elliptic-curve key");
        return encryption;
    }

    private static void RequireRsaForEncryption(SecurityKey key, string what)
    {
        if (key is ECDsaSecurityKey || key is X509SecurityKey { PublicKey: ECDsa })
        {
            throw new InvalidOperationException(
                what + "; tokens are encrypted with RSA-OAEP, so the encryption key must be RSA. " +
                "Elliptic-curve keys (P-256, ES256) are for signing.");
        }
    }

    /// <summary>
    /// One key file of a key folder: a PEM private key (no certificate, no password), checked as the single-file keys are;
    /// its key id is the key's JWK thumbprint (RFC 7638), the same on every node.
    /// </summary>
    public static AsymmetricSecurityKey ReadFolderKey(string path, bool encryption)
    {
        if (new FileInfo(path).Length > MaxKeyFileBytes)
        {
            throw new InvalidOperationException($"The file is larger than {MaxKeyFileBytes / 1024} KiB; a PEM private key is a few KiB.");
        }

        var key = ToSecurityKey(File.ReadAllText(path));
        if (encryption)
        {
            RequireRsaForEncryption(key, "The key is elliptic-curve");
        }

        return key;
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
            return Checked(X509CertificateLoader.LoadPkcs12FromFile(fullPath, password, X509KeyStorageFlags.EphemeralKeySet));
        }

        var pem = File.ReadAllText(fullPath);
        if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            return Checked(X509Certificate2.CreateFromPem(pem, pem));
        }

        return ToSecurityKey(pem);
    }

    /// <summary>A certificate's key passes the same checks as a bare key: RSA of 2048 bits or more, or an EC key on P-256.</summary>
    private static X509SecurityKey Checked(X509Certificate2 certificate)
    {
        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                RequireStrongRsa(rsa);
            }
        }

        using (var ecdsa = certificate.GetECDsaPublicKey())
        {
            if (ecdsa is not null)
            {
                RequireP256(ecdsa);
            }
        }

        return new X509SecurityKey(certificate);
    }

    private static void RequireStrongRsa(RSA rsa)
    {
        if (rsa.KeySize < 2048)
        {
            throw new InvalidOperationException($"The token key is RSA of {rsa.KeySize} bits; RSA token keys must have at least 2048 bits.");
        }

        // Each token costs one private-key operation: a huge key would make the token endpoint a denial of service.
        if (rsa.KeySize > MaxRsaBits)
        {
            throw new InvalidOperationException($"The token key is RSA of {rsa.KeySize} bits; RSA token keys may have at most {MaxRsaBits} bits.");
        }
    }

    // ES256 is ECDSA on P-256 (RFC 7518 3.4); a key on another curve would be published with the wrong algorithm.
    private static void RequireP256(ECDsa ecdsa)
    {
        var curve = ecdsa.ExportParameters(false).Curve;
        if (!curve.IsNamed || (curve.Oid?.Value != "1.2.840.10045.3.1.7" && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256")))
        {
            throw new InvalidOperationException("An elliptic-curve token key must be on the named curve P-256 (ES256).");
        }
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
        // RSA.ImportFromPem and ECDsa.ImportFromPem also take a PUBLIC KEY: such a key would be published and then fail
        // every signature (or encrypt tokens nobody can decrypt).
        if (!pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal) || pem.Contains("PUBLIC KEY-----", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The token key file holds no private key (a public key alone cannot sign or decrypt tokens).");
        }

        AsymmetricSecurityKey key;
        if (Import(RSA.Create(), pem) is { } rsa)
        {
            RequireStrongRsa(rsa);
            key = new RsaSecurityKey(rsa);
        }
        else if (Import(ECDsa.Create(), pem) is { } ecdsa)
        {
            RequireP256(ecdsa);
            key = new ECDsaSecurityKey(ecdsa);
        }
        else
        {
            throw new InvalidOperationException("The token key file holds neither an RSA nor an elliptic-curve private key in PEM form.");
        }

        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }

    /// <summary><paramref name="algorithm"/> with the PEM's key in it, or null (and disposed) when the PEM holds no key of its kind.</summary>
    private static T? Import<T>(T algorithm, string pem)
        where T : AsymmetricAlgorithm
    {
        try
        {
            algorithm.ImportFromPem(pem);
            return algorithm;
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            algorithm.Dispose();
            return null;
        }
    }
}
