using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Duende.IdentityModel.Client;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService.Helpdesk;
using IdentityProvider.SelfService.Verification;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.IntegrationTests.Audit;

/// <summary>Security events: who acted on whom, from where, in which request; every denial; tokens; sign-out; reading and exporting.</summary>
public sealed class SecurityLoggingTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AnAdminAction_IsRecordedWithTheActorTheTargetTheClientIpAndTheRequestsTraceId()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var (admin, browser) = await StaffSession.StartAsync(Idp, "Administrator");
        using var _ = browser;
        await browser.OpenAsync($"admin/users/{user.Id}");
        // The caller's trace: HttpClient sends it as traceparent (a header set by hand would be replaced by the client's
        // own span when OpenTelemetry instruments HttpClient in this process, as the servers under test do).
        string traceId;
        using (var caller = new System.Diagnostics.Activity("admin caller").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            caller.ActivityTraceFlags |= System.Diagnostics.ActivityTraceFlags.Recorded;
            traceId = caller.TraceId.ToHexString();
            await browser.SubmitAsync([], "Revoke");
            await browser.SubmitAsync([], "Revoke");
        }


        var revoked = Assert.Single(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AdminSessionsRevoked);
        Assert.Equal((admin.Id, user.Id, "127.0.0.1", traceId), (revoked.ActorId, revoked.UserId, revoked.ClientIp, revoked.TraceId));
        var viewed = (await fixture.AuditAsync(user.Id)).Where(e => e.EventType == AuditEventTypes.AdminUserViewed).ToList();
        Assert.NotEmpty(viewed);
        Assert.All(viewed, e => Assert.Equal(admin.Id, e.ActorId));
    }

    [Fact]
    public async Task TheAdminApi_RecordsEveryDenial_IncludingAForgedUnsignedToken()
    {
        var target = await TestData.CreateUserAsync(Idp);
        var forged = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"at+jwt"}""")) + "." + Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(
            $$"""{"iss":"{{Idp.BaseAddress}}","sub":"attacker","scope":"admin.users","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""")) + ".";
        using var http = new HttpClient { BaseAddress = Idp.BaseAddress };
        using var noToken = await http.PostAsync(new Uri($"api/v1/users/{target.Id}/password-reset", UriKind.Relative), null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);
        using var forgedCall = await http.PostAsync(new Uri($"api/v1/users/{target.Id}/password-reset", UriKind.Relative), null);
        using var wrongScope = await AdminApiClient.CreateAsync(Idp, "admin.audit");
        using var refused = await wrongScope.GetAsync(new Uri($"api/v1/users/{target.Id}", UriKind.Relative));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), (noToken.StatusCode, forgedCall.StatusCode, refused.StatusCode));
        var denials = (await fixture.AuditAsync(target.Id)).Where(e => e.EventType == AuditEventTypes.ApiDenied).ToList();
        Assert.Contains(denials, e => e.Reason == $"401 no token POST /api/v1/users/{target.Id}/password-reset" && e.ActorId is null);
        Assert.Contains(denials, e => e.Reason == $"401 invalid token POST /api/v1/users/{target.Id}/password-reset" && e.ActorId is null);
        Assert.Contains(denials, e => e.Reason == $"403 GET /api/v1/users/{target.Id}" && e.ActorId!.StartsWith("client automation-", StringComparison.Ordinal));
        Assert.All(denials, e => Assert.DoesNotContain(forged, e.Reason + e.UserAgent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheTokenEndpoint_RecordsClientAuthenticationFailures_IssuedTokens_RedemptionsAndRefusals()
    {
        await TestData.RegisterServiceClientAsync(Idp, "logged-service", "cs_logged-service-secret", "admin.audit");
        using var tokens = new HttpClient();
        var address = new Uri(Idp.BaseAddress, "connect/token").ToString();
        var wrongSecret = await tokens.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest { Address = address, ClientId = "logged-service", ClientSecret = "guess", Scope = "admin.audit" });
        var service = await tokens.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest { Address = address, ClientId = "logged-service", ClientSecret = "cs_logged-service-secret", Scope = "admin.audit" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.HttpStatusCode);
        Assert.False(service.IsError);

        var clientId = "logged-app-" + Guid.NewGuid().ToString("N")[..6];
        var redirect = new Uri("https://logged.example/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        var user = await TestData.CreateUserAsync(Idp);
        var browser = new AuthorizationCodeClient(Idp);
        await browser.SignInAsync(user.UserName!, TestData.Password);
        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var code = await browser.GetCodeAsync(clientId, redirect, challenge);
        var redeemed = await tokens.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest { Address = address, ClientId = clientId, Code = code, RedirectUri = redirect.ToString(), CodeVerifier = verifier });
        var refreshed = await tokens.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = address, ClientId = clientId, RefreshToken = redeemed.RefreshToken! });
        var again = await tokens.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest { Address = address, ClientId = clientId, Code = code, RedirectUri = redirect.ToString(), CodeVerifier = verifier });
        Assert.False(refreshed.IsError);
        Assert.Equal("invalid_grant", again.Error);

        var events = await EventsAsync(e => e.ActorId == "client logged-service" || e.ActorId == "client " + clientId);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.ClientAuthenticationFailed && e.ActorId == "client logged-service" && e.Outcome == AuditLog.Failure);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.TokenIssued && e.ActorId == "client logged-service" && e.Reason == "client_credentials" && e.UserId is null);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.TokenIssued && e.UserId == user.Id && e.Reason == "authorization_code");
        Assert.Contains(events, e => e.EventType == AuditEventTypes.TokenIssued && e.UserId == user.Id && e.Reason == "refresh_token");
        Assert.Contains(events, e => e.EventType == AuditEventTypes.TokenRefused && e.Reason == "invalid_grant authorization_code");
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.AuthorizationCodeIssued && e.ActorId == user.Id);
    }

    [Fact]
    public async Task DeniedPages_SignOut_ViewingAUser_AndExportingTheLog_AreRecorded()
    {
        var (person, outsider) = await StaffSession.StartAsync(Idp, role: null);
        using (outsider)
        {
            await outsider.OpenAsync("admin/users");
            Assert.Equal("/Account/AccessDenied", outsider.Path);
            await outsider.OpenAsync("Account/Logout");
            await outsider.SubmitAsync([]);
            Assert.Equal("/Account/SignedOut", outsider.Path);
        }

        var events = await fixture.AuditAsync(person.Id);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.AccessDenied && e.ActorId == person.Id && e.Reason == "/admin/users");
        Assert.Contains(events, e => e.EventType == AuditEventTypes.SignedOut && e.ActorId == person.Id && e.Reason == "/Account/Logout");

        var (auditor, browser) = await StaffSession.StartAsync(Idp, "Auditor");
        using (browser)
        {
            using var csv = await browser.Client.GetAsync(new Uri($"admin/audit?handler=Csv&user={person.Id}", UriKind.Relative));
            Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
            var header = (await csv.Content.ReadAsStringAsync()).Split("\r\n")[0];
            Assert.Equal("time,event_type,user_id,outcome,reason,method,client_ip,user_agent,actor_id,trace_id", header);
        }

        var exported = Assert.Single(await EventsAsync(e => e.EventType == AuditEventTypes.AdminAuditExported && e.ActorId == auditor.Id));
        Assert.Equal($"{events.Count} rows user={person.Id}", exported.Reason);
    }

    [Fact]
    public async Task Retention_DeletesAuditRowsDeadLettersCodesAndResolvedRequests_OlderThanConfigured_AndKeepsTheRest()
    {
        var now = DateTimeOffset.UtcNow;
        var marker = Guid.NewGuid().ToString("N")[..10];
        await using (var scope = Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            foreach (var (age, name) in new[] { (TimeSpan.FromDays(400), "old"), (TimeSpan.FromDays(300), "recent") })
            {
                db.Add(new AuditEvent { Time = now - age, EventType = "retention.test", Reason = $"{marker}-{name}", Outcome = AuditLog.Success });
                db.Add(new HelpdeskRequest { UserId = marker, UserName = $"{marker}-{name}", Situation = "test", CreatedAt = now - age, Status = HelpdeskRequestStatus.Resolved, ResolvedAt = now - age });
            }

            db.Add(new HelpdeskRequest { UserId = marker, UserName = $"{marker}-open", Situation = "test", CreatedAt = now.AddDays(-900), Status = HelpdeskRequestStatus.Open });
            foreach (var (age, name) in new[] { (TimeSpan.FromDays(31), "old"), (TimeSpan.FromDays(29), "recent") })
            {
                db.Add(new OutboxMessage
                {
                    Recipient = $"{marker}-{name}@example.org", Template = "retention", Status = OutboxStatus.DeadLettered, TextBody = "sealed",
                    CreatedAt = (now - age).ToUnixTimeMilliseconds(), NextAttemptAt = long.MaxValue,
                });
            }

            foreach (var (age, name) in new[] { (TimeSpan.FromHours(25), "old"), (TimeSpan.FromHours(23), "recent") })
            {
                db.Add(new VerificationCode { UserId = marker, Purpose = $"retention-{name}", CodeHash = "00", ExpiresAt = (now - age).ToUnixTimeMilliseconds() });
            }

            await db.SaveChangesAsync();
        }

        var result = await Idp.Services.GetRequiredService<RetentionService>().PruneOnceAsync();

        Assert.True(result["AuditEvents"] >= 1 && result["DeadLetters"] >= 1 && result["VerificationCodes"] >= 1 && result["HelpdeskRequests"] >= 1, result.ToString());
        await using var check = Idp.CreateScope();
        var left = check.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        Assert.Equal([$"{marker}-recent"], await left.Set<AuditEvent>().Where(e => e.Reason!.StartsWith(marker)).Select(e => e.Reason!).ToListAsync());
        Assert.Equal([$"{marker}-open", $"{marker}-recent"], await left.Set<HelpdeskRequest>().Where(r => r.UserId == marker).OrderBy(r => r.UserName).Select(r => r.UserName).ToListAsync());
        Assert.Equal([$"{marker}-recent@example.org"], await left.Set<OutboxMessage>().Where(m => m.Recipient.StartsWith(marker)).Select(m => m.Recipient).ToListAsync());
        Assert.Equal(["retention-recent"], await left.Set<VerificationCode>().Where(c => c.UserId == marker).Select(c => c.Purpose).ToListAsync());
    }

    private async Task<List<AuditEvent>> EventsAsync(System.Linq.Expressions.Expression<Func<AuditEvent, bool>> filter)
    {
        await using var scope = Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<AuditEvent>().AsNoTracking().Where(filter).OrderBy(e => e.Id).ToListAsync();
    }
}
