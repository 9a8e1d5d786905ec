using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IdentityProvider.IntegrationTests.Lockout;

/// <summary>Two identity provider nodes on one PostgreSQL database, sharing a clock the tests can move.</summary>
public sealed class LockoutFixture : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public IdentityProviderHost NodeA { get; private set; } = null!;

    public IdentityProviderHost NodeB { get; private set; } = null!;

    /// <summary>Password checks (hash verifications) made by both nodes together.</summary>
    public PasswordChecks Checks { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var database = await TestDatabase.CreateAsync("lockout");
        // These tests count every attempt exactly; a burst that queues for password hashes longer than the default wait
        // on a busy machine would be answered 503 (that has its own test, in Resilience), so the queue may wait here.
        var settings = new Dictionary<string, string?> { ["Lockout:SignInPerIpLimit"] = "100000", ["Limits:PasswordHashWait"] = "00:01:00" };
        NodeA = await IdentityProviderHost.StartAsync(database, settings, Configure);
        NodeB = await IdentityProviderHost.StartAsync(database, settings, Configure);
    }

    private void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TimeProvider>(Clock);
        var hasher = builder.Services.Last(d => d.ServiceType == typeof(IPasswordHasher<ApplicationUser>));
        builder.Services.Remove(hasher);
        builder.Services.AddSingleton<IPasswordHasher<ApplicationUser>>(services =>
            new CountingHasher((IPasswordHasher<ApplicationUser>)ActivatorUtilities.CreateInstance(services, hasher.ImplementationType!), Checks));
    }

    public async ValueTask DisposeAsync()
    {
        await NodeA.DisposeAsync();
        await NodeB.DisposeAsync();
    }
}

/// <summary>Two nodes with a small per-IP sign-in limit.</summary>
public sealed class ThrottleFixture : IAsyncLifetime
{
    public IdentityProviderHost NodeA { get; private set; } = null!;

    public IdentityProviderHost NodeB { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var database = await TestDatabase.CreateAsync("throttle");
        var settings = new Dictionary<string, string?> { ["Lockout:SignInPerIpLimit"] = "5", ["Lockout:ThrottleWindow"] = "00:10:00" };
        NodeA = await IdentityProviderHost.StartAsync(database, settings);
        NodeB = await IdentityProviderHost.StartAsync(database, settings);
    }

    public async ValueTask DisposeAsync()
    {
        await NodeA.DisposeAsync();
        await NodeB.DisposeAsync();
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
