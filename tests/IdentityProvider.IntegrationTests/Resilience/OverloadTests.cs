using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.Lockout;
using IdentityProvider.Lockout;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityProvider.IntegrationTests.Resilience;

/// <summary>
/// A PostgreSQL server of these tests' own, with its default 100 connections, and two nodes on it with default settings
/// (the pool size comes from <c>Database:MaxPoolSize</c>), plus a real SMTP server. The outage test stops and starts it.
/// </summary>
public sealed class OverloadFixture : TestServerFixture
{
    public LogCapture Logs { get; } = new();

    protected override void Configure(TestServerOptions server)
    {
        server.OwnPostgres = true;
        server.Smtp = true;
        server.Nodes = 2;
        server.Settings["Messaging:PollInterval"] = "00:00:00.200";
        server.Settings["Messaging:RetryBaseDelay"] = "00:00:00.300";
        server.Settings["Messaging:RetryMaxDelay"] = "00:00:01";
        server.Host = builder => builder.Logging.AddProvider(Logs);
    }
}

/// <summary>Bursts and database outages get answers a caller can act on (a page, 429 or 503 with Retry-After), never a 500.</summary>
public sealed class OverloadTests(OverloadFixture fixture) : IClassFixture<OverloadFixture>
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task TwoHundredParallelSignIns_OnTwoNodes_AreEachAPageA429OrA503_AndTheLockoutStaysExact()
    {
        var user = await TestData.CreateUserAsync(fixture.NodeA);
        var browsers = Enumerable.Range(0, 8).Select(i => new SignInBrowser(i % 2 == 0 ? fixture.NodeA : fixture.NodeB)).ToList();
        foreach (var browser in browsers)
        {
            await browser.PrepareAsync();
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => browsers[i % browsers.Count].SignInAsync(user.UserName!, $"Burst-Guess-{i:D3}")));

        var byStatus = results.GroupBy(r => (int)r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        TestContext.Current.TestOutputHelper?.WriteLine("burst answers: " + string.Join(", ", byStatus));
        Assert.All(results, r =>
        {
            Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable, $"answered {(int)r.Status}");
            Assert.StartsWith("text/html", r.Response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            if (r.Status != HttpStatusCode.OK)
            {
                Assert.True(r.Response.Headers.RetryAfter is not null, $"{(int)r.Status} without Retry-After");
            }
        });

        await using var scope = fixture.NodeA.CreateScope();
        var counter = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<LockoutCounter>().AsNoTracking()
            .SingleAsync(c => c.UserId == user.Id && !c.Familiar);
        Assert.Equal(10, counter.FailedCount);
        Assert.Empty(fixture.Logs.Unhandled);
        browsers.ForEach(b => b.Dispose());
    }

    [Fact]
    public async Task ADatabaseOutage_Answers503WithRetryAfter_AndServiceIsBackWithinFiveSeconds_WithNoMessageLost()
    {
        var node = fixture.NodeA;
        await TestData.RegisterServiceClientAsync(node, "outage-service", "outage-service-secret", "admin.users");
        using var http = node.CreateClient(followRedirects: false);
        var marker = "outage" + Guid.NewGuid().ToString("N")[..6];
        await QueueEmailsAsync(node, marker, 5);

        // Light load: the token endpoint, the admin API, a page that reads the database, and readiness.
        async Task<Dictionary<string, HttpResponseMessage>> RoundAsync()
        {
            var answers = new Dictionary<string, HttpResponseMessage>();
            using var token = new HttpRequestMessage(HttpMethod.Post, new Uri("connect/token", UriKind.Relative))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = "outage-service", ["client_secret"] = "outage-service-secret", ["scope"] = "admin.users",
                }),
            };
            answers["token"] = await http.SendAsync(token);
            if (answers["token"].StatusCode == HttpStatusCode.OK)
            {
                var accessToken = (await answers["token"].Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
                using var api = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/users?pageSize=1", UriKind.Relative));
                api.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
                answers["api"] = await http.SendAsync(api);
            }

            // A reset journey's page looks its journey up in the database (this one has none: it sends the browser to the start).
            using var page = new HttpRequestMessage(HttpMethod.Get, new Uri("recover/verify", UriKind.Relative));
            page.Headers.Add("Cookie", "idp.recovery=" + Guid.NewGuid().ToString("N"));
            answers["page"] = await http.SendAsync(page);
            answers["ready"] = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
            return answers;
        }

        bool AllFine(Dictionary<string, HttpResponseMessage> answers) =>
            answers.TryGetValue("api", out var api) && api.StatusCode == HttpStatusCode.OK && answers["page"].StatusCode == HttpStatusCode.Redirect
            && answers.Where(a => a.Key != "page").All(a => a.Value.StatusCode == HttpStatusCode.OK);

        Assert.True(AllFine(await RoundAsync()), "Before the outage every request should succeed.");

        await fixture.Postgres.StopServerAsync();
        var during = new List<(string What, HttpResponseMessage Answer)>();
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(4))
        {
            during.AddRange((await RoundAsync()).Select(a => (a.Key, a.Value)));
            await Task.Delay(200);
        }

        await fixture.Postgres.StartServerAsync();
        var back = Stopwatch.StartNew();
        while (!AllFine(await RoundAsync()))
        {
            Assert.True(back.Elapsed < Recovery + TimeSpan.FromSeconds(30), "The service did not come back after the database did.");
            await Task.Delay(100);
        }

        var recovered = back.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"during the outage: {string.Join(", ", during.GroupBy(d => $"{d.What} {(int)d.Answer.StatusCode}").Select(g => $"{g.Key} ×{g.Count()}"))}; " +
            $"back {recovered.TotalSeconds:F1} s after the database");
        Assert.All(during, d => Assert.True(d.Answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{d.What} answered {(int)d.Answer.StatusCode} during the outage"));
        Assert.All(during.Where(d => d.What != "ready"), d => Assert.NotNull(d.Answer.Headers.RetryAfter));
        var tokenError = await during.First(d => d.What == "token").Answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("temporarily_unavailable", tokenError.GetProperty("error").GetString());
        Assert.Contains("unavailable", await during.First(d => d.What == "page").Answer.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.True(recovered <= Recovery, $"The service came back {recovered.TotalSeconds:F1} s after the database; the limit is {Recovery.TotalSeconds} s.");

        // Every message queued before the outage goes out once the database is back; none twice.
        var deadline = Stopwatch.StartNew();
        while (fixture.Smtp.Received.Count(m => m.To.ToString().Contains(marker, StringComparison.Ordinal)) < 5 && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }

        Assert.Equal(5, fixture.Smtp.Received.Count(m => m.To.ToString().Contains(marker, StringComparison.Ordinal)));
        Assert.Empty(fixture.Logs.Unhandled);
    }

    private static async Task QueueEmailsAsync(IdentityProviderHost node, string marker, int count)
    {
        await using var scope = node.CreateScope();
        var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
        var templates = scope.ServiceProvider.GetRequiredService<MessageTemplates>();
        for (var i = 0; i < count; i++)
        {
            outbox.Email($"{marker}-{i}@example.org", templates.VerificationCode("12345678", TimeSpan.FromMinutes(5), System.Globalization.CultureInfo.InvariantCulture), "outage-test");
        }

        // Due a few seconds from now, inside the outage: the dispatcher cannot claim them until the database is back, so
        // none is half-way through a send (sent, not yet marked) when the database stops.
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var due = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeMilliseconds();
        foreach (var entry in db.ChangeTracker.Entries<OutboxMessage>())
        {
            entry.Entity.NextAttemptAt = due;
        }

        await db.SaveChangesAsync();
    }
}
