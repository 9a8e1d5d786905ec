using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Lockout;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>
/// A policy setting is declared once: configuration, the admin page and the admin API refuse the same value with the
/// same message, and the page and the API save and audit a change the same way, each naming who made it.
/// </summary>
public sealed class PolicyDeclaredOnceTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private const string ShorterThanFirst = "The longest lockout cannot be shorter than the first.";

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task TheConfigurationThePageAndTheApi_RefuseTheSameValue_WithTheSameMessage_AndAuditWhoChangedIt()
    {
        // Configuration: what ValidateOnStart runs.
        var configured = new LockoutPolicySettings { FirstLockoutSeconds = 60, MaximumLockoutSeconds = 10 };
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(configured, new ValidationContext(configured), results, validateAllProperties: true));
        Assert.Equal([ShorterThanFirst], results.Select(r => r.ErrorMessage));

        // The page.
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator", authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);
        await browser.OpenAsync("admin/verify?returnUrl=%2Fadmin%2Fpolicies%2Fpasswords");
        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        await browser.SubmitAsync(new() { ["Lockout.FirstLockoutSeconds"] = "60", ["Lockout.MaximumLockoutSeconds"] = "10" }, "Lockout");
        Assert.Contains(ShorterThanFirst, browser.Alert, StringComparison.Ordinal);

        // The API.
        using var api = await AdminApiClient.CreateAsync(Idp, "admin.policies");
        var before = await api.GetFromJsonAsync<JsonElement>("api/v1/policies/lockout");
        var threshold = before.GetProperty("threshold").GetInt32();
        using (var refused = await api.PutAsJsonAsync("api/v1/policies/lockout", new { threshold, firstLockoutSeconds = 60, maximumLockoutSeconds = 10 }))
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal(ShorterThanFirst, errors.GetProperty("maximumLockoutSeconds")[0].GetString());
        }

        // A change on the page is about the administrator's account; one through the API names the client.
        await browser.OpenAsync("admin/policies/passwords");
        await browser.SubmitAsync(new() { ["Lockout.Threshold"] = (threshold + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) }, "Lockout");
        Assert.Contains("The lockout policy is saved.", browser.Alert, StringComparison.Ordinal);
        using (var restored = await api.PutAsJsonAsync("api/v1/policies/lockout", before))
        {
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
            Assert.Equal(threshold, (await restored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("threshold").GetInt32());
        }

        await using var scope = Idp.CreateScope();
        var events = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>().AsNoTracking()
            .Where(e => e.EventType == AuditEventTypes.AdminPolicyChanged && e.Reason!.Contains("lockout.Threshold:")).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(2, events.Count);
        Assert.Equal((admin.Id, admin.Id, $"lockout.Threshold: {threshold} → {threshold + 1}"), (events[0].UserId, events[0].ActorId, events[0].Reason));
        Assert.StartsWith("client ", events[1].ActorId, StringComparison.Ordinal);
        Assert.Equal((null, $"by {events[1].ActorId}: lockout.Threshold: {threshold + 1} → {threshold}"), (events[1].UserId, events[1].Reason));
    }
}
