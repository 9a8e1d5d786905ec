using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityProvider.Oidc;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.UnitTests.Oidc;

public sealed class SigningKeyLoaderTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("idp-unit-keys-");

    [Fact]
    public void GeneratedKeys_AreCreatedOnce_AndReusedAtTheNextStart()
    {
        var options = new OidcKeyOptions { GeneratedKeysDirectory = Path.Combine(folder.FullName, "keys") };

        var first = SigningKeyLoader.Load(options, Environment("Development"));
        var second = SigningKeyLoader.Load(options, Environment("Development"));

        Assert.Equal(first.Signing!.KeyId, second.Signing!.KeyId);
        Assert.NotEqual(first.Signing.KeyId, first.Encryption!.KeyId);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(options.GeneratedKeysDirectory, "signing-key.pem")));
        }
    }

    [Fact]
    public void Production_RefusesGeneratedKeys()
    {
        var options = new OidcKeyOptions { GeneratedKeysDirectory = folder.FullName };

        Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.Load(options, Environment("Production")));
    }

    [Fact]
    public void ConfiguredPemAndPkcs12Files_AreLoaded()
    {
        using var rsa = RSA.Create(2048);
        var pem = Path.Combine(folder.FullName, "signing.pem");
        File.WriteAllText(pem, rsa.ExportPkcs8PrivateKeyPem());

        using var certificateKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=encryption", certificateKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var pfx = Path.Combine(folder.FullName, "encryption.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "secret"));

        var (signing, encryption) = SigningKeyLoader.Load(
            new OidcKeyOptions { SigningKeyPath = pem, EncryptionKeyPath = pfx, EncryptionKeyPassword = "secret" },
            Environment("Production"));

        Assert.IsType<RsaSecurityKey>(signing);
        var x509 = Assert.IsType<X509SecurityKey>(encryption);
        Assert.Equal(certificate.Thumbprint, x509.Certificate.Thumbprint);
    }

    [Fact]
    public void MissingKeyFile_IsNamedInTheError()
    {
        var missing = Path.Combine(folder.FullName, "nope.pem");

        var error = Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.Load(
            new OidcKeyOptions { SigningKeyPath = missing, EncryptionKeyPath = missing }, Environment("Production")));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A key folder takes private keys only: a public key alone (which .NET's PEM import also reads) would be published
    /// and then fail every signature, or encrypt tokens nobody can decrypt.
    /// </summary>
    [Fact]
    public void KeyFolder_RefusesAPublicKeyAlone()
    {
        using var rsa = RSA.Create(2048);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cases = new Dictionary<string, string>
        {
            ["rsa-public.pem"] = rsa.ExportSubjectPublicKeyInfoPem(),
            ["rsa-pkcs1-public.pem"] = rsa.ExportRSAPublicKeyPem(),
            ["ec-public.pem"] = ecdsa.ExportSubjectPublicKeyInfoPem(),
        };
        foreach (var (name, pem) in cases)
        {
            var path = Path.Combine(folder.FullName, name);
            File.WriteAllText(path, pem);

            var error = Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.ReadFolderKey(path, encryption: false));
            Assert.Contains("no private key", error.Message, StringComparison.Ordinal);
        }

        var privatePath = Path.Combine(folder.FullName, "rsa-private.pem");
        File.WriteAllText(privatePath, rsa.ExportPkcs8PrivateKeyPem());
        Assert.Equal(PrivateKeyStatus.Exists, SigningKeyLoader.ReadFolderKey(privatePath, encryption: true).PrivateKeyStatus);
    }

    /// <summary>Folders are read again on every poll: a huge file is refused before it is read.</summary>
    [Fact]
    public void KeyFolder_RefusesAHugeFile()
    {
        var big = Path.Combine(folder.FullName, "big.pem");
        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(big, rsa.ExportPkcs8PrivateKeyPem() + new string('\n', SigningKeyLoader.MaxKeyFileBytes));
        }

        Assert.Contains("larger than", Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.ReadFolderKey(big, encryption: false)).Message, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Delete(recursive: true);

    private TestEnvironment Environment(string name) => new TestEnvironment { EnvironmentName = name, ContentRootPath = folder.FullName };

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = string.Empty;

        public string ApplicationName { get; set; } = "IdentityProvider";

        public string ContentRootPath { get; set; } = string.Empty;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
