using IdentityProvider.IntegrationTests.Messaging;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>
/// The identity provider with self-service on for everyone and every method allowed (one required), emails going to a
/// real SMTP server, and the staff roles. Tests read codes from the outbox, where every message starts.
/// </summary>
public class RecoveryFixture : TestServerFixture
{
    /// <summary>The organisation's own security question, offered beside the built-in ones.</summary>
    public const string CustomQuestion = "What was the name of your first manager?";

    protected override void Configure(TestServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        MessagingFixture.Mail(server);
        server.Settings["SelfService:Scope"] = "All";
        server.Settings["SelfService:CustomQuestions:0"] = CustomQuestion;
        // Every test starts journeys from 127.0.0.1; the per-network limit has its own test.
        server.Settings["Lockout:RecoveryStartPerIpLimit"] = "100000";
        string[] methods = ["AlternateEmail", "MobileText", "MobileCall", "OfficeCall", "SecurityQuestions", "AuthenticatorApp"];
        for (var i = 0; i < methods.Length; i++)
        {
            server.Settings[$"SelfService:Methods:{i}"] = methods[i];
        }

        foreach (var role in new[] { "Administrator", "Helpdesk", "Auditor" })
        {
            server.Roles.Add(role);
        }
    }
}

/// <summary>The same server with a clock the tests move (expiry, throttles, "send again").</summary>
public sealed class RecoveryClockFixture : RecoveryFixture
{
    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        server.FakeClock = true;
    }
}

/// <summary>A server that lets one network start only three journeys a minute.</summary>
public sealed class RecoveryNetworkLimitFixture : RecoveryFixture
{
    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        server.Settings["Lockout:RecoveryStartPerIpLimit"] = "3";
    }
}
