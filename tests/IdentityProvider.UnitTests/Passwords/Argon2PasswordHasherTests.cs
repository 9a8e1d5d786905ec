using IdentityProvider.Data;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdentityProvider.UnitTests.Passwords;

public sealed class Argon2PasswordHasherTests
{
    private static readonly PasswordHashGate Gate = new(Options.Create(new IdentityProvider.Resilience.LimitsOptions()));

    private readonly ApplicationUser user = new() { UserName = "ada" };
    private readonly Argon2PasswordHasher hasher = new(Options.Create(new PasswordPolicyOptions()), Options.Create(new PasswordHasherOptions()), Gate);

    [Fact]
    public void NewHashes_AreArgon2id_WithOwaspSettings_AndASaltEachTime()
    {
        var first = hasher.HashPassword(user, "Rainy-Harbour-Lantern-42");
        var second = hasher.HashPassword(user, "Rainy-Harbour-Lantern-42");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(user, first, "Rainy-Harbour-Lantern-42"));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(user, first, "Rainy-Harbour-Lantern-43"));
    }

    [Theory]
    [InlineData("Caf\u00e9-Lantern-Harbour-73", "Cafe\u0301-Lantern-Harbour-73")]
    [InlineData("\uff2d\uff45\uff41\uff44\uff4f\uff57-Falcon-\uff15\uff18", "Meadow-Falcon-58")]
    [InlineData("\u2460 Ma\u00f1ana \ufb01ve", "1 Man\u0303ana five")]
    public void APassword_IsOnePassword_InEveryUnicodeForm(string setAs, string typedAs)
    {
        var hash = hasher.HashPassword(user, setAs);

        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(user, hash, typedAs));
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(user, hash, setAs));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(user, hash, typedAs + "x"));
    }

    [Fact]
    public void AHashMadeBeforeNormalisation_VerifiesAsTyped_AndAsksForARehash()
    {
        const string decomposed = "Cafe\u0301-Lantern-Harbour-73";
        var legacy = new PasswordHasher<ApplicationUser>().HashPassword(user, decomposed);

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, hasher.VerifyHashedPassword(user, legacy, decomposed));
        var upgraded = hasher.HashPassword(user, decomposed);
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(user, upgraded, "Caf\u00e9-Lantern-Harbour-73"));
    }

    [Fact]
    public void Pbkdf2Hashes_StillVerify_AndAskForARehash()
    {
        var legacy = new PasswordHasher<ApplicationUser>().HashPassword(user, "old-but-fine-password");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, hasher.VerifyHashedPassword(user, legacy, "old-but-fine-password"));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(user, legacy, "wrong"));
    }

    [Fact]
    public void WeakerArgon2Settings_AskForARehash()
    {
        var weak = new Argon2PasswordHasher(Options.Create(new PasswordPolicyOptions()), Options.Create(new PasswordHasherOptions()), Gate);
        var stronger = new Argon2PasswordHasher(Options.Create(new PasswordPolicyOptions { Argon2MemoryKiB = 32_768, Argon2Passes = 3 }), Options.Create(new PasswordHasherOptions()), Gate);
        var hash = weak.HashPassword(user, "Rainy-Harbour-Lantern-42");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, stronger.VerifyHashedPassword(user, hash, "Rainy-Harbour-Lantern-42"));
    }

    [Theory]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$notbase64!$AAAA")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=4$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2id$v=19$garbage")]
    public void MalformedHashes_FailToVerify(string stored) =>
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(user, stored, "anything"));
}
