using System.Net;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Lockout;

/// <summary>Per-IP limits hold across nodes and answer 429 with when to come back.</summary>
public sealed class ThrottleTests(ThrottleFixture fixture) : IClassFixture<ThrottleFixture>
{
    [Fact]
    public async Task SignInPosts_OverTheLimit_AcrossTwoNodes_Get429WithRetryAfter()
    {
        using var onA = new SignInBrowser(fixture.NodeA);
        using var onB = new SignInBrowser(fixture.NodeB);

        for (var i = 0; i < 5; i++)
        {
            var (status, _, _) = await (i % 2 == 0 ? onA : onB).SignInAsync("someone", $"guess-{i}");
            Assert.Equal(HttpStatusCode.OK, status);
        }

        var (throttled, html, response) = await onB.SignInAsync("someone", "guess-6");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled);
        var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 600);
        Assert.Contains("Too many sign-in attempts from your network.", html, StringComparison.Ordinal);
        Assert.Contains($"Wait {retryAfter} second", html, StringComparison.Ordinal);

        await using var scope = fixture.NodeA.CreateScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>().CountAsync(e => e.EventType == AuditEventTypes.Throttled));
    }
}
