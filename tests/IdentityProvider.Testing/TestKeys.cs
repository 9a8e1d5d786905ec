using System.Security.Cryptography;

namespace IdentityProvider.Testing;

/// <summary>Token keys for the test run, written as PEM files and configured the way production configures them.</summary>
public static class TestKeys
{
    private static readonly Lazy<(string Signing, string Encryption)> Files = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("idp-keys-").FullName;
        var signing = Path.Combine(directory, "signing.pem");
        var encryption = Path.Combine(directory, "encryption.pem");
        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(signing, rsa.ExportPkcs8PrivateKeyPem());
        }

        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(encryption, rsa.ExportPkcs8PrivateKeyPem());
        }

        return (signing, encryption);
    });

    private static readonly Lazy<string> EllipticCurve = new(() =>
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("idp-keys-").FullName, "signing-p256.pem");
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(path, ecdsa.ExportPkcs8PrivateKeyPem());
        return path;
    });

    public static string SigningKeyPath => Files.Value.Signing;

    /// <summary>A P-256 signing key (ES256), for the servers that sign with an elliptic-curve key.</summary>
    public static string EllipticCurveSigningKeyPath => EllipticCurve.Value;

    public static string EncryptionKeyPath => Files.Value.Encryption;
}
