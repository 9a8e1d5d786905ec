using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Messaging;

/// <summary>A real SMTP server on loopback and two identity provider nodes (each with a dispatcher) on one database.</summary>
public sealed class MessagingFixture : IAsyncLifetime
{
    public TestSmtpServer Smtp { get; private set; } = null!;

    public IdentityProviderHost NodeA { get; private set; } = null!;

    public IdentityProviderHost NodeB { get; private set; } = null!;

    public static Dictionary<string, string?> Settings(int smtpPort) => new()
    {
        ["Organization:Name"] = "Northwind",
        ["Messaging:UseDevMailbox"] = "false",
        ["Messaging:Smtp:Host"] = "127.0.0.1",
        ["Messaging:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Messaging:Smtp:Security"] = "None",
        ["Messaging:Smtp:FromAddress"] = "accounts@northwind.example",
        ["Messaging:Branding:Colour"] = "#aa3300",
        ["Messaging:Branding:LogoUrl"] = "https://northwind.example/logo.png",
        ["Messaging:PollInterval"] = "00:00:00.100",
        ["Messaging:RetryBaseDelay"] = "00:00:00.300",
        ["Messaging:RetryMaxDelay"] = "00:00:02",
        ["Messaging:CircuitBreakDuration"] = "00:00:01",
        ["Messaging:MaxAttempts"] = "30",
        ["Messaging:SendTimeout"] = "00:00:05",
    };

    public async ValueTask InitializeAsync()
    {
        Smtp = await TestSmtpServer.StartAsync();
        var database = await TestDatabase.CreateAsync("messaging");
        NodeA = await IdentityProviderHost.StartAsync(database, Settings(Smtp.Port));
        NodeB = await IdentityProviderHost.StartAsync(database, Settings(Smtp.Port));
    }

    public async ValueTask DisposeAsync()
    {
        await NodeA.DisposeAsync();
        await NodeB.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
