using System.Globalization;
using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.ScaleOut;

/// <summary>
/// Three server processes on one PostgreSQL database behind a real nginx (round robin, no sticky sessions), email to a
/// real SMTP server in this process. Test data is written through the server's own services, built in this process
/// on the same database and settings but serving nothing (<see cref="Data"/>); every request of a journey goes
/// through nginx.
/// </summary>
public sealed class ScaleOutFixture : IAsyncLifetime
{
    public const int NodeCount = 3;

    /// <summary>Wrong passwords that lock an account (the lowest the policy allows, to keep the journey short).</summary>
    public const int LockoutThreshold = 3;

    private readonly List<IdentityProviderProcess> nodes = [];
    private string? database;

    /// <summary>The server's services on the nodes' database; its clients (<see cref="IdentityProviderHost.CreateClient"/>) go through nginx.</summary>
    public IdentityProviderHost Data { get; private set; } = null!;

    public NginxServer Nginx { get; private set; } = null!;

    public TestSmtpServer Smtp { get; private set; } = null!;

    public IReadOnlyList<IdentityProviderProcess> Nodes => nodes;

    /// <summary>How long starting the processes and nginx took.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>Data Protection keys in the database once the nodes, started together on an empty database, were ready.</summary>
    public int KeysAtStart { get; private set; }

    /// <summary>The settings every node gets (the nodes differ only in their port).</summary>
    public Dictionary<string, string?> Settings { get; private set; } = null!;

    /// <summary>"node 2" for the process on <paramref name="port"/>.</summary>
    public string NodeName(int port)
    {
        var index = nodes.FindIndex(n => n.Port == port);
        return index < 0 ? $"port {port}" : $"node {index + 1}";
    }

    public async ValueTask InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        NginxServer.FindExecutable();
        try
        {
            Smtp = await TestSmtpServer.StartAsync();
            database = await TestDatabase.CreateAsync("scaleout");
            var balancerPort = Ports.Free();
            var issuer = new Uri($"http://localhost:{balancerPort}/");
            var pool = new Npgsql.NpgsqlConnectionStringBuilder(database) { MaxPoolSize = 20 }.ConnectionString;
            Settings = IdentityProviderHost.TestSettings(pool, issuer);
            foreach (var (key, value) in NodeSettings())
            {
                Settings[key] = value;
            }

            var starting = Task.WhenAll(Enumerable.Range(0, NodeCount).Select(_ => IdentityProviderProcess.StartAsync(Settings)));
            Data = IdentityProviderHost.ServicesOnly(issuer, Settings);
            nodes.AddRange(await starting);
            Nginx = await NginxServer.StartAsync([.. nodes.Select(n => n.Port)], balancerPort);
            StartTime = started.Elapsed;
            await using var scope = Data.CreateScope();
            KeysAtStart = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().DataProtectionKeys.CountAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Stopped even when a test failed: the processes first (they hold database connections), then the rest.
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        if (Nginx is not null)
        {
            await Nginx.DisposeAsync();
        }

        if (Data is not null)
        {
            await Data.DisposeAsync();
        }

        if (Smtp is not null)
        {
            await Smtp.DisposeAsync();
        }

        if (database is not null)
        {
            await TestDatabase.DropAsync(database);
        }
    }

    private Dictionary<string, string?> NodeSettings() => new()
    {
        // Behind the proxy: the nodes read X-Forwarded-* from it (and only from it).
        ["Hosting:UseForwardedHeaders"] = "true",
        ["Hosting:KnownProxies:0"] = "127.0.0.1",
        ["Messaging:UseDevMailbox"] = "false",
        ["Messaging:Smtp:Host"] = "127.0.0.1",
        ["Messaging:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Messaging:Smtp:Security"] = "None",
        ["Messaging:Smtp:FromAddress"] = "accounts@northwind.example",
        ["Messaging:PollInterval"] = "00:00:00.100",
        ["Messaging:RetryBaseDelay"] = "00:00:00.300",
        ["SelfService:Scope"] = "All",
        ["SelfService:Methods:0"] = "AlternateEmail",
        ["Lockout:Threshold"] = LockoutThreshold.ToString(CultureInfo.InvariantCulture),
        // Every request comes from 127.0.0.1: the per-IP limits have their own tests.
        ["Lockout:SignInPerIpLimit"] = "100000",
        ["Lockout:RecoveryStartPerIpLimit"] = "100000",
    };
}
