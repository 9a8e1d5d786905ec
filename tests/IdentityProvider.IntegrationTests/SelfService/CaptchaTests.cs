using IdentityProvider.Hosting;
using IdentityProvider.SelfService.Captcha;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>A Development-environment server with a fixed CAPTCHA answer (as automated tests use it) and a movable clock.</summary>
public sealed class CaptchaFixture : TestServerFixture
{
    public const string Answer = "AC3E7K";

    protected override void Configure(TestServerOptions server)
    {
        server.Environment = "Development";
        server.FakeClock = true;
        server.Settings["SelfService:Captcha:FixedAnswer"] = Answer;
    }
}

public sealed class CaptchaTests(CaptchaFixture fixture) : IClassFixture<CaptchaFixture>
{
    [Fact]
    public async Task RightAnswer_Passes_OnceOnly_AndWithoutCase()
    {
        var challenge = await IssueAsync(CaptchaKind.Image);

        Assert.StartsWith("data:image/png;base64,", challenge.ImageDataUri, StringComparison.Ordinal);
        Assert.True(await VerifyAsync(challenge.Id, "ac3e7k"));
        Assert.False(await VerifyAsync(challenge.Id, CaptchaFixture.Answer));
    }

    [Fact]
    public async Task WrongAnswer_Fails_AndUsesTheChallengeUp()
    {
        var challenge = await IssueAsync(CaptchaKind.Image);

        Assert.False(await VerifyAsync(challenge.Id, "WRONG1"));
        Assert.False(await VerifyAsync(challenge.Id, CaptchaFixture.Answer));
    }

    [Fact]
    public async Task ExpiredOrUnknownChallenges_NeverPass()
    {
        var challenge = await IssueAsync(CaptchaKind.Image);
        fixture.Clock.Advance(TimeSpan.FromMinutes(6));

        Assert.False(await VerifyAsync(challenge.Id, CaptchaFixture.Answer));
        Assert.False(await VerifyAsync(Guid.NewGuid(), CaptchaFixture.Answer));
    }

    [Fact]
    public async Task AccessibleAlternative_IsAQuestionInWords()
    {
        var challenge = await IssueAsync(CaptchaKind.Question);

        Assert.Null(challenge.ImageDataUri);
        Assert.Matches("^What is [a-z]+ plus [a-z]+\\? Type the answer in digits\\.$", challenge.Question);
        Assert.True(await VerifyAsync(challenge.Id, CaptchaFixture.Answer));
    }

    [Theory]
    [InlineData("Testing")]
    [InlineData("Production")]
    public async Task FixedAnswer_IsRefusedOutsideDevelopment(string environment)
    {
        string[] args =
        [
            $"--environment={environment}",
            "--urls=http://127.0.0.1:0",
            $"--contentRoot={SourceTree.ProjectDirectory}",
            "--ConnectionStrings:PostgreSql=Host=127.0.0.1;Database=unused",
            "--Oidc:Keys:SigningKeyPath=" + TestKeys.SigningKeyPath,
            "--Oidc:Keys:EncryptionKeyPath=" + TestKeys.EncryptionKeyPath,
            "--Oidc:Issuer=https://id.example.org/",
            "--DataProtection:AllowUnprotectedKeyRing=true",
            "--SelfService:Captcha:FixedAnswer=AC3E",
        ];
        await using var app = IdentityProviderApplication.Build(args);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("refused outside the Development environment", error.Message, StringComparison.Ordinal);
    }

    private async Task<CaptchaChallengeView> IssueAsync(CaptchaKind kind)
    {
        await using var scope = fixture.Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<CaptchaService>().IssueAsync(kind);
    }

    private async Task<bool> VerifyAsync(Guid id, string answer)
    {
        await using var scope = fixture.Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<CaptchaService>().VerifyAsync(id, answer);
    }
}
