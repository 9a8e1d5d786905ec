using IdentityProvider.Hosting;
using IdentityProvider.Testing;
using Microsoft.Extensions.Options;

namespace IdentityProvider.IntegrationTests.Hosting;

/// <summary>Development conveniences are refused when the server runs in the Production environment.</summary>
public sealed class StartupSafetyTests
{
    private static readonly string[] ProductionBase =
    [
        "--environment=Production",
        "--urls=http://127.0.0.1:0",
        $"--contentRoot={SourceTree.ProjectDirectory}",
        "--ConnectionStrings:PostgreSql=Host=127.0.0.1;Database=unused",
        "--Oidc:Issuer=https://id.example.org/",
        "--DataProtection:AllowUnprotectedKeyRing=true",
    ];

    [Fact]
    public void Production_WithoutConfiguredKeys_RefusesToStart_AndSaysWhatToSet()
    {
        var error = Assert.Throws<InvalidOperationException>(() => IdentityProviderApplication.Build(ProductionBase));

        Assert.Contains("Oidc:Keys:SigningKeyPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_IgnoresGeneratedDevelopmentKeys()
    {
        var error = Assert.Throws<InvalidOperationException>(() => IdentityProviderApplication.Build(
            [.. ProductionBase, "--Oidc:Keys:GeneratedKeysDirectory=" + Path.GetTempPath()]));

        Assert.Contains("not used in production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_RefusesPlainHttp()
    {
        var error = Assert.Throws<OptionsValidationException>(() => IdentityProviderApplication.Build(
            [.. ProductionBase, .. WithKeys, "--Oidc:AllowInsecureHttp=true"]));

        Assert.Contains("AllowInsecureHttp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_RefusesTheDemoOrganisation()
    {
        await using var app = IdentityProviderApplication.Build([.. ProductionBase, .. WithKeys, "--Demo:Seed=true"]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("refused in the Production environment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokensThatOutliveTheirPrunedRows_AreRefusedAtStart()
    {
        var error = Assert.Throws<OptionsValidationException>(() => IdentityProviderApplication.Build(
            [.. ProductionBase, .. WithKeys, "--Oidc:AccessTokenLifetime=30.00:00:00"]));

        Assert.Contains("Oidc:PruneAge must be at least Oidc:AccessTokenLifetime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_WithoutAnIssuer_RefusesToStart_WithOneClearMessage()
    {
        var error = Assert.Throws<OptionsValidationException>(() => IdentityProviderApplication.Build(
            [.. ProductionBase.Where(arg => !arg.StartsWith("--Oidc:Issuer=", StringComparison.Ordinal)), .. WithKeys]));

        Assert.Equal(
            "Oidc:Issuer is required in the Production environment: set it to this server's public https:// URL, e.g. Oidc__Issuer=https://id.example.org/.",
            error.Message);
    }

    [Fact]
    public void Production_WithAPlainHttpIssuer_RefusesToStart()
    {
        var error = Assert.Throws<OptionsValidationException>(() => IdentityProviderApplication.Build(
            [.. ProductionBase, .. WithKeys, "--Oidc:Issuer=http://id.example.org/"]));

        Assert.Contains("Oidc:Issuer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_WithAnUnprotectedKeyRing_RefusesToStart_UnlessTheRiskIsAcceptedExplicitly()
    {
        string[] withoutOptOut = [.. ProductionBase.Where(arg => !arg.StartsWith("--DataProtection:", StringComparison.Ordinal)), .. WithKeys];

        var error = Assert.Throws<InvalidOperationException>(() => IdentityProviderApplication.Build(withoutOptOut));
        Assert.Contains("DataProtection:CertificatePath", error.Message, StringComparison.Ordinal);
        Assert.Contains("DataProtection:AllowUnprotectedKeyRing", error.Message, StringComparison.Ordinal);

        using var accepted = (IDisposable)IdentityProviderApplication.Build([.. withoutOptOut, "--DataProtection:AllowUnprotectedKeyRing=true"]);
        Assert.NotNull(accepted);
    }

    [Fact]
    public void Production_WithConfiguredKeyFiles_Builds()
    {
        using var app = (IDisposable)IdentityProviderApplication.Build([.. ProductionBase, .. WithKeys]);

        Assert.NotNull(app);
    }

    private static string[] WithKeys =>
    [
        "--Oidc:Keys:SigningKeyPath=" + TestKeys.SigningKeyPath,
        "--Oidc:Keys:EncryptionKeyPath=" + TestKeys.EncryptionKeyPath,
    ];
}
