using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>
/// The identity provider with self-service on for everyone and every method allowed (one required), emails going to a
/// real SMTP server. Tests read codes from the outbox, where every message starts.
/// </summary>
public class RecoveryFixture : IAsyncLifetime
{
    /// <summary>The organisation's own security question, offered beside the built-in ones.</summary>
    public const string CustomQuestion = "What was the name of your first manager?";

    public IdentityProviderHost Idp { get; private set; } = null!;

    public TestSmtpServer Smtp { get; private set; } = null!;

    public string Database { get; private set; } = null!;

    protected virtual string Name => "recovery";

    protected virtual TimeProvider? Clock => null;

    /// <summary>Settings a derived fixture changes.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public static Dictionary<string, string?> Settings(int smtpPort)
    {
        var settings = IdentityProvider.IntegrationTests.Messaging.MessagingFixture.Settings(smtpPort);
        settings["SelfService:Scope"] = "All";
        settings["SelfService:CustomQuestions:0"] = CustomQuestion;
        // Every test starts journeys from 127.0.0.1; the per-network limit has its own test.
        settings["Lockout:RecoveryStartPerIpLimit"] = "100000";
        string[] methods = ["AlternateEmail", "MobileText", "MobileCall", "OfficeCall", "SecurityQuestions", "AuthenticatorApp"];
        for (var i = 0; i < methods.Length; i++)
        {
            settings[$"SelfService:Methods:{i}"] = methods[i];
        }

        return settings;
    }

    public async ValueTask InitializeAsync()
    {
        Smtp = await TestSmtpServer.StartAsync();
        Database = await TestDatabase.CreateAsync(Name);
        var clock = Clock;
        var settings = Settings(Smtp.Port);
        Configure(settings);
        Idp = await IdentityProviderHost.StartAsync(Database, settings, clock is null ? null : builder => builder.Services.AddSingleton(clock));
        await using var scope = Idp.CreateScope();
        var roles = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.RoleManager<Microsoft.AspNetCore.Identity.IdentityRole>>();
        foreach (var role in new[] { "Administrator", "Helpdesk", "Auditor" })
        {
            await roles.CreateAsync(new Microsoft.AspNetCore.Identity.IdentityRole(role));
        }
    }

    public async Task<List<AuditEvent>> AuditAsync(string? userId)
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        return await db.Set<AuditEvent>().AsNoTracking().Where(e => e.UserId == userId).OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>The messages of a template, with their bodies in clear (see <see cref="SentMessages"/>).</summary>
    public Task<List<OutboxMessage>> MessagesAsync(string template) =>
        SentMessages.ReadAsync(Idp, messages => messages.Where(m => m.Template == template));

    public async ValueTask DisposeAsync()
    {
        await Idp.DisposeAsync();
        await Smtp.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The same server with a clock the tests move (expiry, throttles, "send again").</summary>
public sealed class RecoveryClockFixture : RecoveryFixture
{
    public FakeTimeProvider FakeClock { get; } = new(DateTimeOffset.UtcNow);

    protected override string Name => "recovery-clock";

    protected override TimeProvider? Clock => FakeClock;
}

/// <summary>A server that lets one network start only three journeys a minute.</summary>
public sealed class RecoveryNetworkLimitFixture : RecoveryFixture
{
    protected override string Name => "recovery-network";

    protected override void Configure(Dictionary<string, string?> settings) => settings["Lockout:RecoveryStartPerIpLimit"] = "3";
}
