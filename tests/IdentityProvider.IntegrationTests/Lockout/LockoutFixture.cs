using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Lockout;

/// <summary>Two identity provider nodes on one PostgreSQL database, sharing a clock the tests can move.</summary>
public sealed class LockoutFixture : TestServerFixture
{
    /// <summary>Password checks (hash verifications) made by both nodes together.</summary>
    public PasswordChecks Checks { get; } = new();

    protected override void Configure(TestServerOptions server)
    {
        server.Nodes = 2;
        server.FakeClock = true;
        // These tests count every attempt exactly; a burst that queues for password hashes longer than the default wait
        // on a busy machine would be answered 503 (that has its own test, in Resilience), so the queue may wait here.
        server.Settings["Lockout:SignInPerIpLimit"] = "100000";
        server.Settings["Limits:PasswordHashWait"] = "00:01:00";
        server.Host = builder =>
        {
            var hasher = builder.Services.Last(d => d.ServiceType == typeof(IPasswordHasher<ApplicationUser>));
            builder.Services.Remove(hasher);
            builder.Services.AddSingleton<IPasswordHasher<ApplicationUser>>(services =>
                new CountingHasher((IPasswordHasher<ApplicationUser>)ActivatorUtilities.CreateInstance(services, hasher.ImplementationType!), Checks));
        };
    }
}

/// <summary>
/// Two nodes with a small per-IP sign-in limit, on a clock that stands still: the limit counts in fixed windows (10
/// minutes, aligned to the clock), and a test crossing a window's end on the real clock would start counting afresh.
/// </summary>
public sealed class ThrottleFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server)
    {
        server.Nodes = 2;
        server.FakeClock = true;
        server.Settings["Lockout:SignInPerIpLimit"] = "5";
        server.Settings["Lockout:ThrottleWindow"] = "00:10:00";
    }
}

/// <summary>Counts how many passwords were checked against a hash.</summary>
public sealed class PasswordChecks
{
    private int count;

    public int Count => Volatile.Read(ref count);

    internal void Add() => Interlocked.Increment(ref count);
}

/// <summary>The server's own hasher, counting every verification.</summary>
internal sealed class CountingHasher(IPasswordHasher<ApplicationUser> inner, PasswordChecks checks) : IPasswordHasher<ApplicationUser>
{
    public string HashPassword(ApplicationUser user, string password) => inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string providedPassword)
    {
        checks.Add();
        return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}
