using IdentityProvider.Testing;
using Microsoft.Extensions.Options;

namespace IdentityProvider.IntegrationTests.Directories;

/// <summary>A directory's settings that can't work stop the server at start with a message naming the setting.</summary>
public sealed class DirectorySettingsTests
{
    private static readonly string[] Base =
    [
        "--environment=Testing",
        "--urls=http://127.0.0.1:0",
        $"--contentRoot={SourceTree.ProjectDirectory}",
        "--ConnectionStrings:PostgreSql=Host=127.0.0.1;Database=unused",
        "--Directories:Connections:0:Name=corp",
        "--Directories:Connections:0:Servers:0=ldap.corp.example",
        "--Directories:Connections:0:BindDn=cn=idp,dc=corp,dc=example",
        "--Directories:Connections:0:BindPassword=secret",
        "--Directories:Connections:0:BaseDn=ou=people,dc=corp,dc=example",
        $"--Oidc:Keys:SigningKeyPath={TestKeys.SigningKeyPath}",
        $"--Oidc:Keys:EncryptionKeyPath={TestKeys.EncryptionKeyPath}",
    ];

    [Theory]
    [InlineData("Kind", "AD")]
    [InlineData("Port", "389x")]
    [InlineData("PasswordWriteback", "yes")]
    [InlineData("Securty", "Ldaps")]
    public async Task AValueThatCantBeRead_StopsTheStart_AndNamesTheSetting(string key, string value)
    {
        await using var app = IdentityProviderApplication.Build([.. Base, $"--Directories:Connections:0:{key}={value}"]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Directories:Connections:0", error.Message, StringComparison.Ordinal);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingCertificateAuthorityFile_StopsTheStart()
    {
        await using var app = IdentityProviderApplication.Build([.. Base, "--Directories:Connections:0:CaCertificatePath=/nonexistent/ca.pem"]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("CaCertificatePath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnencryptedDirectory_IsRefusedInProduction()
    {
        string[] production = [.. Base.Select(a => a == "--environment=Testing" ? "--environment=Production" : a), "--Directories:Connections:0:Security=None"];
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var app = IdentityProviderApplication.Build([.. production, "--Oidc:Issuer=https://id.example.org/", "--DataProtection:AllowUnprotectedKeyRing=true"]);
            await app.StartAsync();
        });

        Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("Security is None", error.Message, StringComparison.Ordinal);
    }
}
