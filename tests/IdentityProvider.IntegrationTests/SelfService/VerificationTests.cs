using IdentityProvider.Data;
using IdentityProvider.SelfService.Verification;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>The server on a clock the tests move.</summary>
public sealed class VerificationFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server) => server.FakeClock = true;
}

/// <summary>One-time codes and authenticator codes, on PostgreSQL, with a clock the tests move.</summary>
public sealed class VerificationTests(VerificationFixture fixture) : IClassFixture<VerificationFixture>
{
    private const string Purpose = "test:email";

    [Fact]
    public async Task Code_IsEightDigits_PassesOnce_AndOnlyForItsUserAndPurpose()
    {
        var (id, code) = await IssueAsync("user-a");

        Assert.Matches("^[0-9]{8}$", code);
        Assert.Equal(VerificationResult.Invalid, await VerifyAsync(id, "user-b", code));
        Assert.Equal(VerificationResult.Invalid, await VerifyAsync(id, "user-a", code, "other:purpose"));
        Assert.Equal(VerificationResult.Passed, await VerifyAsync(id, "user-a", code[..4] + " " + code[4..]));
        Assert.Equal(VerificationResult.Invalid, await VerifyAsync(id, "user-a", code));
    }

    [Fact]
    public async Task FiveWrongTries_KillTheCode()
    {
        var (id, code) = await IssueAsync("user-c");
        var wrong = code == "00000000" ? "11111111" : "00000000";

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(VerificationResult.Wrong, await VerifyAsync(id, "user-c", wrong));
        }

        Assert.Equal(VerificationResult.TooManyTries, await VerifyAsync(id, "user-c", wrong));
        Assert.Equal(VerificationResult.TooManyTries, await VerifyAsync(id, "user-c", code));
    }

    [Fact]
    public async Task Code_ExpiresAfterFiveMinutes()
    {
        var (id, code) = await IssueAsync("user-d");
        fixture.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.Equal(VerificationResult.Expired, await VerifyAsync(id, "user-d", code));
    }

    [Fact]
    public async Task FiftyParallelSubmissionsOfTheRightCode_PassExactlyOnce()
    {
        var (id, code) = await IssueAsync("user-e");

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => VerifyAsync(id, "user-e", code))));

        Assert.Equal(1, results.Count(r => r == VerificationResult.Passed));
        Assert.All(results.Where(r => r != VerificationResult.Passed), r => Assert.Equal(VerificationResult.Invalid, r));
    }

    [Fact]
    public async Task StoredCodes_AreHashes()
    {
        var (id, code) = await IssueAsync("user-f");
        await using var scope = fixture.Idp.CreateScope();
        var row = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<VerificationCode>().SingleAsync(c => c.Id == id);

        Assert.Equal(64, row.CodeHash.Length);
        Assert.DoesNotContain(code, row.CodeHash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticatorCode_IsAcceptedOncePerTimeStep_WithOneStepOfSkew()
    {
        var secret = AuthenticatorCodes.NewSecret();
        var user = await TestData.CreateUserAsync(fixture.Idp);
        await using (var scope = fixture.Idp.CreateScope())
        {
            var codes = scope.ServiceProvider.GetRequiredService<AuthenticatorCodes>();
            await TestData.UpdateUserAsync(fixture.Idp, user.Id, (users, stored) =>
            {
                stored.AuthenticatorSecretProtected = codes.Protect(secret);
                return users.UpdateAsync(stored);
            });
        }

        var totp = new Totp(Base32Encoding.ToBytes(secret));
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        Assert.True(await VerifyTotpAsync(user.Id, totp.ComputeTotp(now.AddSeconds(-30))));   // one step behind: skew allowed
        Assert.True(await VerifyTotpAsync(user.Id, totp.ComputeTotp(now)));
        Assert.False(await VerifyTotpAsync(user.Id, totp.ComputeTotp(now)));                   // the same step again
        Assert.False(await VerifyTotpAsync(user.Id, totp.ComputeTotp(now.AddSeconds(-30))));   // an older step
        Assert.False(await VerifyTotpAsync(user.Id, totp.ComputeTotp(now.AddSeconds(90))));    // three steps ahead
        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await VerifyTotpAsync(user.Id, totp.ComputeTotp(fixture.Clock.GetUtcNow().UtcDateTime)));
    }

    [Fact]
    public void ProvisioningUri_NamesTheOrganisationAsIssuer() =>
        Assert.Equal("otpauth://totp/Northwind%20Traders:dana?secret=ABC&issuer=Northwind%20Traders&algorithm=SHA1&digits=6&period=30",
            AuthenticatorCodes.ProvisioningUri("ABC", "Northwind Traders", "dana"));

    private async Task<(Guid Id, string Code)> IssueAsync(string userId)
    {
        await using var scope = fixture.Idp.CreateScope();
        var issued = await scope.ServiceProvider.GetRequiredService<VerificationCodes>().IssueAsync(userId, Purpose);
        await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        return issued;
    }

    private async Task<VerificationResult> VerifyAsync(Guid id, string userId, string guess, string purpose = Purpose)
    {
        await using var scope = fixture.Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<VerificationCodes>().VerifyAsync(id, userId, purpose, guess);
    }

    private async Task<bool> VerifyTotpAsync(string userId, string code)
    {
        await using var scope = fixture.Idp.CreateScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(userId);
        return await scope.ServiceProvider.GetRequiredService<AuthenticatorCodes>().VerifyAsync(user!, code);
    }
}
