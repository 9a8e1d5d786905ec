using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Messaging;

/// <summary>A real SMTP server on loopback and two identity provider nodes (each with a dispatcher) on one database.</summary>
public sealed class MessagingFixture : TestServerFixture
{
    /// <summary>Email to a real SMTP server, from Northwind with its branding, retried quickly.</summary>
    public static void Mail(TestServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Smtp = true;
        server.Settings["Organization:Name"] = "Northwind";
        server.Settings["Messaging:Smtp:FromAddress"] = "accounts@northwind.example";
        server.Settings["Messaging:Branding:Colour"] = "#aa3300";
        server.Settings["Messaging:Branding:LogoUrl"] = "https://northwind.example/logo.png";
        server.Settings["Messaging:PollInterval"] = "00:00:00.100";
        server.Settings["Messaging:RetryBaseDelay"] = "00:00:00.300";
        server.Settings["Messaging:RetryMaxDelay"] = "00:00:02";
        server.Settings["Messaging:CircuitBreakDuration"] = "00:00:01";
        server.Settings["Messaging:MaxAttempts"] = "30";
        server.Settings["Messaging:SendTimeout"] = "00:00:05";
    }

    protected override void Configure(TestServerOptions server)
    {
        Mail(server);
        server.Nodes = 2;
    }
}
