using System.Diagnostics;
using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.IntegrationTests.Lockout;
using IdentityProvider.Lockout;
using IdentityProvider.Messaging;
using IdentityProvider.Telemetry;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Telemetry;

/// <summary>
/// Real journeys against a running server, read back through an in-process exporter: the application's counters with
/// their attributes, the outbox and hash-queue gauges, and the spans of a request, its database commands and an email.
/// Counters are cumulative for the server's life, so each test compares before and after its own journey.
/// </summary>
[Collection(ProcessWideTelemetry.Name)]
public sealed class TelemetryTests(TelemetryFixture fixture) : IClassFixture<TelemetryFixture>
{
    private const string Outcome = IdentityProviderMetrics.OutcomeAttribute;
    private const string Method = IdentityProviderMetrics.MethodAttribute;
    private const string PublicClientId = "telemetry-spa";
    private static readonly Uri PublicRedirect = new("http://127.0.0.1:1/callback");

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task SignIns_AreCountedByOutcome_AndALockoutByDeviceClass()
    {
        await RecoveryData.SetPolicyAsync<LockoutPolicySettings>(Idp, p => p.Threshold = 3);
        var user = await TestData.CreateUserAsync(Idp);
        var success = fixture.Count("identity_provider.sign_ins", (Method, "password"), (Outcome, "success"));
        var failure = fixture.Count("identity_provider.sign_ins", (Method, "password"), (Outcome, "failure"));
        var lockedOut = fixture.Count("identity_provider.sign_ins", (Method, "password"), (Outcome, "locked_out"));
        var lockouts = fixture.Count("identity_provider.lockouts", ("identity_provider.lockout.device_class", "unfamiliar"));

        using var browser = new SignInBrowser(Idp);
        Assert.Equal("/", (await browser.SignInAsync(user.UserName!, TestData.Password)).Response.RequestMessage!.RequestUri!.AbsolutePath);
        using var stranger = new SignInBrowser(Idp);
        for (var i = 0; i < 3; i++)
        {
            await stranger.SignInAsync(user.UserName!, "Wrong-Password-" + i);
        }

        await stranger.SignInAsync(user.UserName!, TestData.Password); // paused: nothing is checked

        Assert.Equal(success + 1, fixture.Count("identity_provider.sign_ins", (Method, "password"), (Outcome, "success")));
        Assert.Equal(failure + 3, fixture.Count("identity_provider.sign_ins", (Method, "password"), (Outcome, "failure")));
        Assert.Equal(lockedOut + 1, fixture.Count("identity_provider.sign_ins", (Method, "password"), (Outcome, "locked_out")));
        Assert.Equal(lockouts + 1, fixture.Count("identity_provider.lockouts", ("identity_provider.lockout.device_class", "unfamiliar")));
        await RecoveryData.SetPolicyAsync<LockoutPolicySettings>(Idp, p => p.Threshold = 10);
    }

    [Fact]
    public async Task Tokens_AreCountedByGrantType_AndRefusalsByError()
    {
        await TestData.RegisterApiScopeAsync(Idp, "telemetry", "telemetry-api");
        await TestData.RegisterServiceClientAsync(Idp, "svc-telemetry", "svc-telemetry-secret-0123", "telemetry");
        await TestData.RegisterClientAsync(Idp, PublicClientId, PublicRedirect);
        var user = await TestData.CreateUserAsync(Idp);
        var machine = fixture.Count("identity_provider.token.requests", ("identity_provider.grant_type", "client_credentials"), (Outcome, "success"));
        var code = fixture.Count("identity_provider.token.requests", ("identity_provider.grant_type", "authorization_code"), (Outcome, "success"));
        var refused = fixture.Count("identity_provider.token.requests", ("identity_provider.grant_type", "authorization_code"), (Outcome, "failure"), ("error.type", "invalid_grant"));

        using var http = new HttpClient();
        var tokenEndpoint = new Uri(Idp.BaseAddress, "connect/token").ToString();
        var issued = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = tokenEndpoint, ClientId = "svc-telemetry", ClientSecret = "svc-telemetry-secret-0123", Scope = "telemetry",
        });
        Assert.False(issued.IsError, issued.Error);

        var client = new AuthorizationCodeClient(Idp);
        await client.SignInAsync(user.UserName!, TestData.Password);
        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var authorizationCode = await client.GetCodeAsync(PublicClientId, PublicRedirect, challenge);
        var redeem = new AuthorizationCodeTokenRequest
        {
            Address = tokenEndpoint, ClientId = PublicClientId, Code = authorizationCode, RedirectUri = PublicRedirect.ToString(), CodeVerifier = verifier,
        };
        var tokens = await http.RequestAuthorizationCodeTokenAsync(redeem);
        Assert.False(tokens.IsError, tokens.Error);
        Assert.Equal("invalid_grant", (await http.RequestAuthorizationCodeTokenAsync(redeem)).Error); // the code used twice

        Assert.Equal(machine + 1, fixture.Count("identity_provider.token.requests", ("identity_provider.grant_type", "client_credentials"), (Outcome, "success")));
        Assert.Equal(code + 1, fixture.Count("identity_provider.token.requests", ("identity_provider.grant_type", "authorization_code"), (Outcome, "success")));
        Assert.Equal(refused + 1, fixture.Count("identity_provider.token.requests", ("identity_provider.grant_type", "authorization_code"), (Outcome, "failure"), ("error.type", "invalid_grant")));
    }

    [Fact]
    public async Task SecondFactor_IsCountedByMethod()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        var challenges = fixture.Count("identity_provider.mfa.challenges");
        var passed = fixture.Count("identity_provider.mfa.verifications", (Method, "authenticator_app"), (Outcome, "success"));

        await new AuthorizationCodeClient(Idp).SignInAsync(user.UserName!, TestData.Password, RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));

        Assert.Equal(challenges + 1, fixture.Count("identity_provider.mfa.challenges"));
        Assert.Equal(passed + 1, fixture.Count("identity_provider.mfa.verifications", (Method, "authenticator_app"), (Outcome, "success")));
    }

    [Fact]
    public async Task AReset_IsCounted_AndItsEmailIsTracedFromOutboxToSmtp()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        var verified = fixture.Count("identity_provider.recovery.verifications", (Method, "alternate_email"), (Outcome, "success"));
        var resets = fixture.Count("identity_provider.recoveries", ("identity_provider.recovery.action", "reset"), ("identity_provider.recovery.channel", "self_service"));
        var sent = fixture.Count("identity_provider.outbox.deliveries", ("identity_provider.message.channel", "email"), (Outcome, "sent"));

        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        await browser.NewPasswordAsync("Velvet-Orchard-Kettle-73");
        Assert.Equal("/recover/done", browser.Path);
        // The code, and "password was reset" to both addresses: counted once each is marked sent.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && fixture.Count("identity_provider.outbox.deliveries", ("identity_provider.message.channel", "email"), (Outcome, "sent")) < sent + 3)
        {
            await Task.Delay(100);
        }

        Assert.Equal(verified + 1, fixture.Count("identity_provider.recovery.verifications", (Method, "alternate_email"), (Outcome, "success")));
        Assert.Equal(resets + 1, fixture.Count("identity_provider.recoveries", ("identity_provider.recovery.action", "reset"), ("identity_provider.recovery.channel", "self_service")));
        Assert.True(fixture.Count("identity_provider.outbox.deliveries", ("identity_provider.message.channel", "email"), (Outcome, "sent")) >= sent + 3);

        var spans = fixture.SpansSoFar();
        var smtp = spans.Where(s => s.Source.Name == IdentityProviderMetrics.MeterName && s.OperationName == "smtp send").ToList();
        Assert.NotEmpty(smtp);
        var send = smtp[^1];
        Assert.Equal(ActivityKind.Client, send.Kind);
        Assert.Equal("127.0.0.1", send.GetTagItem("server.address"));
        Assert.Equal(ActivityStatusCode.Unset, send.Status);
        // Privacy: no attribute of the send holds an address or the message.
        Assert.DoesNotContain(send.TagObjects, tag => tag.Value?.ToString()?.Contains('@', StringComparison.Ordinal) == true);
        var delivery = spans.Single(s => s.SpanId == send.ParentSpanId);
        Assert.Equal("outbox deliver", delivery.OperationName);
        Assert.Equal("sent", delivery.GetTagItem(Outcome));
    }

    [Fact]
    public async Task ARequest_HasAServerSpan_WithItsDatabaseCommandsAsChildren()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var client = Idp.CreateClient();
        ActivityTraceId traceId;
        // The caller's trace (traceparent, sent by the HttpClient) continues on the server.
        using (var caller = new Activity("test caller").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            caller.ActivityTraceFlags |= ActivityTraceFlags.Recorded; // a sampled caller: the server samples by its parent
            traceId = caller.TraceId;
            using var response = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await new AuthorizationCodeClient(Idp).SignInAsync(user.UserName!, TestData.Password);

        var spans = fixture.SpansSoFar();
        var page = Assert.Single(spans, s => s.TraceId == traceId && s.Kind == ActivityKind.Server);
        Assert.Equal("Microsoft.AspNetCore", page.Source.Name);
        Assert.Equal("/Account/Login", page.GetTagItem("url.path"));

        // A sign-in's POST reads and writes the database: its commands are Npgsql spans under the server span.
        var signIn = spans.Last(s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("http.request.method") == "POST" && (string?)s.GetTagItem("url.path") == "/Account/Login");
        var commands = spans.Where(s => s.ParentSpanId == signIn.SpanId && s.TraceId == signIn.TraceId && s.Source.Name == "Npgsql").ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, command => Assert.Equal(ActivityKind.Client, command.Kind));
        Assert.Contains(commands, command => command.GetTagItem("db.query.text")?.ToString()?.Contains("AspNetUsers", StringComparison.Ordinal) == true
            || command.GetTagItem("db.statement")?.ToString()?.Contains("AspNetUsers", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Gauges_ReportTheOutboxDepthAndAge_AndTheHashQueue_AndThrottlesAreCounted()
    {
        // A message scheduled for a retry far ahead, created five minutes ago: pending, not due.
        var created = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        var waiting = new OutboxMessage
        {
            Channel = MessageChannel.Email, Recipient = "nobody@example.invalid", Template = "telemetry-test", TextBody = "x",
            CreatedAt = created, NextAttemptAt = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(),
        };
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Data.ApplicationDbContext>();
            db.Add(waiting);
            await db.SaveChangesAsync();
        }

        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            double age = 0;
            long pending = 0;
            while (DateTime.UtcNow < deadline && (pending < 1 || age < 300))
            {
                await Task.Delay(100);
                var metrics = fixture.Collect();
                pending = metrics.Where(m => m.Name == "identity_provider.outbox.pending").SelectMany(m => m.MetricPoints).Select(p => p.GetGaugeLastValueLong()).DefaultIfEmpty().Max();
                age = metrics.Where(m => m.Name == "identity_provider.outbox.oldest_pending.age").SelectMany(m => m.MetricPoints).Select(p => p.GetGaugeLastValueDouble()).DefaultIfEmpty().Max();
            }

            Assert.True(pending >= 1, $"outbox.pending was {pending}");
            Assert.InRange(age, 300, 400);
        }
        finally
        {
            await using var scope = Idp.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<Data.ApplicationDbContext>();
            db.Remove(waiting);
            await db.SaveChangesAsync();
        }

        await TestData.CreateUserAsync(Idp); // hashes a password: the gate exists from its first use
        var all = fixture.Collect();
        // (A server another test started in this process may have reported too: every stream of the name is idle.)
        var queued = all.Where(m => m.Name == "identity_provider.password_hash.queued").ToList();
        Assert.NotEmpty(queued);
        Assert.All(queued, m => Assert.Equal("{request}", m.Unit));
        Assert.All(queued.SelectMany(m => m.MetricPoints), point => Assert.Equal(0, point.GetSumLong()));
        Assert.Contains(all, m => m.Name == "identity_provider.password_hash.active");

        // One client address over the per-IP limit of starting resets: every refused request counts, not only the first.
        var throttled = fixture.Count("identity_provider.throttles", ("identity_provider.throttle.policy", "recovery_start"));
        var context = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("203.0.113.77") } };
        await using (var scope = Idp.CreateScope())
        {
            var limiter = scope.ServiceProvider.GetRequiredService<RequestThrottle>();
            var limit = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<LockoutOptions>>().Value.RecoveryStartPerIpLimit;
            for (var i = 0; i < limit + 2; i++)
            {
                await limiter.CheckAsync(context, RequestThrottle.RecoveryStart);
            }
        }

        Assert.Equal(throttled + 2, fixture.Count("identity_provider.throttles", ("identity_provider.throttle.policy", "recovery_start")));
    }
}
