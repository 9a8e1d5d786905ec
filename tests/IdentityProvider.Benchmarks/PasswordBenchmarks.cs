using BenchmarkDotNet.Attributes;
using IdentityProvider.Data;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Benchmarks;

/// <summary>The banned-password check against the shipped list, and one password hash at the configured strength.</summary>
[MemoryDiagnoser]
public class PasswordBenchmarks
{
    private readonly BannedTermIndex custom = BannedTermIndex.Build(["contoso", "northwind", "widgets"], BannedTermIndex.MinimumTermLength);
    [Params("Summer2024!", "Rainy-Harbour-Lantern-42", "correct horse battery staple and a long tail of words for good measure")]
    public string Password { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup() => _ = CommonPasswords.Index;

    [Benchmark]
    public bool BannedCheck() => BannedPasswordChecker.Evaluate(Password, ["Dana", "Demo", "demo"], CommonPasswords.Index, custom).Accepted;
}

/// <summary>One password hash and one verification: the configured Argon2id, and PBKDF2-HMAC-SHA512 at OWASP's 210,000 iterations.</summary>
public class PasswordHashBenchmarks
{
    private const string Password = "Rainy-Harbour-Lantern-42";
    private readonly ApplicationUser user = new() { UserName = "bench" };
    private readonly PasswordHasher<ApplicationUser> pbkdf2 = new(Options.Create(new PasswordHasherOptions { IterationCount = 210_000 }));
    private readonly Argon2PasswordHasher argon2 = new(Options.Create(new PasswordPolicyOptions()), Options.Create(new PasswordHasherOptions()), new PasswordHashGate(Options.Create(new IdentityProvider.Resilience.LimitsOptions())));
    private string pbkdf2Hash = string.Empty;
    private string argon2Hash = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        pbkdf2Hash = pbkdf2.HashPassword(user, Password);
        argon2Hash = argon2.HashPassword(user, Password);
    }

    [Benchmark]
    public string Argon2idHash() => argon2.HashPassword(user, Password);

    [Benchmark]
    public PasswordVerificationResult Argon2idVerify() => argon2.VerifyHashedPassword(user, argon2Hash, Password);

    [Benchmark]
    public PasswordVerificationResult Pbkdf2Sha512Verify() => pbkdf2.VerifyHashedPassword(user, pbkdf2Hash, Password);
}

/// <summary>Building the global index, once per process.</summary>
public class BannedListLoadBenchmarks
{
    [Benchmark]
    public int LoadAndIndex() => BannedTermIndex.Build(CommonPasswords.ReadRaw(), CommonPasswords.FuzzyMinimumLength, collapseVariants: true).Count;
}
