using System.Net;
using System.Net.Http.Json;
using IdentityProvider.Audit;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Resilience;

/// <summary>Parallel changes to one thing: each answer says what happened (done, or 409 "changed meanwhile"), never 500.</summary>
public sealed class ConflictTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    private Task<HttpClient> ApiAsync(string scope) => AdminApiClient.CreateAsync(Idp, scope);

    [Fact]
    public async Task TenParallelSessionRevocations_AreEachDoneOrAConflict()
    {
        using var http = await ApiAsync("admin.users");
        var user = await TestData.CreateUserAsync(Idp);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await http.PostAsync(new Uri($"api/v1/users/{user.Id}/revoke-sessions", UriKind.Relative), null);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            }

            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.NoContent or HttpStatusCode.Conflict, $"answered {(int)s}"));
        Assert.Contains(HttpStatusCode.NoContent, statuses);
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.NoContent), (await fixture.AuditAsync(user.Id)).Count(e => e.EventType == AuditEventTypes.AdminSessionsRevoked));
    }

    [Fact]
    public async Task ParallelGroupsWithOneName_CreateOneGroup_AndTheRestAreConflicts()
    {
        using var http = await ApiAsync("admin.users");
        var name = "Team " + Guid.NewGuid().ToString("N")[..8];

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await http.PostAsJsonAsync("api/v1/groups", new { name });
            return response.StatusCode;
        }));

        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.True(s is HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"answered {(int)s}"));
        var groups = await http.GetFromJsonAsync<List<GroupRow>>("api/v1/groups");
        Assert.Single(groups!, g => g.Name == name);
    }

    [Fact]
    public async Task TwoParallelSendCodePosts_InOneJourney_SendACodeWithoutAnError()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        for (var round = 0; round < 5; round++)
        {
            using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
            await browser.ChooseReasonAsync();
            var action = browser.FormAction("Choose");

            var statuses = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
            {
                using var content = browser.FormContent(new() { ["Method"] = "AlternateEmail" }, "Choose");
                using var response = await browser.Client.PostAsync(action, content);
                return (int)response.StatusCode;
            }));

            Assert.All(statuses, s => Assert.True(s < 500, $"A send-code post answered {s}."));
            await browser.OpenAsync("recover/verify");
            Assert.Contains("We emailed a code", browser.Alert, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TwoParallelWrongCodes_AreBothAudited()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        var action = browser.FormAction("Code");

        var statuses = await Task.WhenAll(new[] { "11111111", "22222222" }.Select(async code =>
        {
            using var content = browser.FormContent(new() { ["Code"] = code }, "Code");
            using var response = await browser.Client.PostAsync(action, content);
            return (int)response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.True(s < 500, $"A code post answered {s}."));
        Assert.Equal(2, (await fixture.AuditAsync(user.Id)).Count(e => e.EventType == AuditEventTypes.RecoveryGateFailed && e.Reason == "wrong-code"));
    }

    private sealed record GroupRow(Guid Id, string Name);
}
