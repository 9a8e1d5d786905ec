using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;

namespace IdentityProvider.Testing;

/// <summary>
/// The identity provider under test, shared by the tests of a class (or a collection, or an assembly): a database of its
/// own, the server's nodes on it, and what <see cref="TestServerOptions"/> asks for around them (a real SMTP server, a
/// clock the tests move, a relying web app, a PostgreSQL server of its own). A test class asks for a server by a small
/// subclass that overrides <see cref="Configure"/>, and seeds what it needs in <see cref="StartedAsync"/>.
/// </summary>
public class TestServerFixture : IAsyncLifetime
{
    private readonly List<IdentityProviderHost> nodes = [];
    private TestServerOptions options = null!;
    private FakeTimeProvider? clock;
    private TestSmtpServer? smtp;
    private RelyingPartyHost? rp;
    private PostgresServer? ownPostgres;
    private SlapdServer? slapd;
    private string? database;

    /// <summary>The first node.</summary>
    public IdentityProviderHost Idp => NodeA;

    /// <summary>The first node.</summary>
    public IdentityProviderHost NodeA => Nodes.Count > 0 ? Nodes[0] : throw NotStarted("the server");

    /// <summary>The second node (ask for <see cref="TestServerOptions.Nodes"/> = 2).</summary>
    public IdentityProviderHost NodeB => Nodes.Count > 1 ? Nodes[1] : throw NotStarted("a second node (Nodes = 2)");

    /// <summary>Every node, in the order they started.</summary>
    public IReadOnlyList<IdentityProviderHost> Nodes => nodes;

    /// <summary>The connection string of the server's database.</summary>
    public string Database => database ?? throw NotStarted("the database");

    /// <summary>The SMTP server the email goes to (ask for <see cref="TestServerOptions.Smtp"/>).</summary>
    public TestSmtpServer Smtp => smtp ?? throw NotStarted("an SMTP server (Smtp = true)");

    /// <summary>The clock of every node (ask for <see cref="TestServerOptions.FakeClock"/>).</summary>
    public FakeTimeProvider Clock => clock ?? throw NotStarted("a fake clock (FakeClock = true)");

    /// <summary>The relying web app, registered as <see cref="RelyingPartyHost.ClientId"/> (ask for <see cref="TestServerOptions.RelyingParty"/>).</summary>
    public RelyingPartyHost Rp => rp ?? throw NotStarted("a relying party (RelyingParty = true)");

    /// <summary>The name the directory of <see cref="TestServerOptions.Directory"/> is configured under.</summary>
    public const string DirectoryName = "corp";

    /// <summary>The OpenLDAP server connected as a directory (ask for <see cref="TestServerOptions.Directory"/>).</summary>
    public SlapdServer Slapd => slapd ?? throw NotStarted("a directory (Directory = true)");

    /// <summary>The PostgreSQL server of the fixture's own (ask for <see cref="TestServerOptions.OwnPostgres"/>).</summary>
    public PostgresServer Postgres => ownPostgres ?? throw NotStarted("a PostgreSQL server of its own (OwnPostgres = true)");

    public async ValueTask InitializeAsync()
    {
        options = new TestServerOptions { Name = GetType().Name.Replace("Fixture", string.Empty, StringComparison.Ordinal) };
        Configure(options);
        if (options.FakeClock)
        {
            clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        }

        if (options.OwnPostgres)
        {
            ownPostgres = await PostgresServer.StartOwnAsync();
        }

        if (options.Smtp)
        {
            smtp = await TestSmtpServer.StartAsync();
            options.Settings["Messaging:UseDevMailbox"] = "false";
            options.Settings["Messaging:Smtp:Host"] = "127.0.0.1";
            options.Settings["Messaging:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
            options.Settings["Messaging:Smtp:Security"] = "None";
        }

        if (options.Directory)
        {
            slapd = await SlapdServer.StartAsync();
            const string prefix = "Directories:Connections:0:";
            var startTls = options.Settings.TryGetValue(prefix + "Security", out var security) && security == "StartTls";
            foreach (var (key, value) in slapd.Settings(DirectoryName, startTls))
            {
                options.Settings.TryAdd(key, value);
            }

            // Tests sync when they mean to (DirectorySynchronizer), not when a timer says; an outage a test plays does
            // not keep the circuit open for the next test.
            options.Settings.TryAdd("Directories:ScheduledSync", "false");
            options.Settings.TryAdd(prefix + "BreakDuration", "00:00:01");
        }

        database = ownPostgres is null ? await TestDatabase.CreateAsync(options.Name) : await ownPostgres.CreateDatabaseAsync(options.Name.ToLowerInvariant());
        for (var i = 0; i < options.Nodes; i++)
        {
            nodes.Add(await StartNodeAsync());
        }

        if (options.RelyingParty)
        {
            var address = RelyingPartyHost.ReserveAddress();
            await TestData.RegisterClientAsync(
                Idp,
                RelyingPartyHost.ClientId,
                new Uri(address, "signin-oidc"),
                new Uri(address, "signout-callback-oidc"),
                RelyingPartyHost.ClientSecret,
                OpenIddictConstants.ConsentTypes.Implicit,
                new Uri(address, "password-changed"));
            rp = await RelyingPartyHost.StartAsync(Idp.BaseAddress, address);
        }

        if (options.Roles.Count > 0)
        {
            await using var scope = Idp.CreateScope();
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            foreach (var role in options.Roles)
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        await StartedAsync();
    }

    /// <summary>
    /// Starts one more node on the same database with the same settings (the caller disposes it), e.g. to finish on
    /// another node what began on this one.
    /// </summary>
    public Task<IdentityProviderHost> StartNodeAsync() =>
        IdentityProviderHost.StartAsync(Database, options.Settings, builder =>
        {
            if (clock is not null)
            {
                builder.Services.AddSingleton<TimeProvider>(clock);
            }

            options.Host?.Invoke(builder);
        }, options.Environment);

    /// <summary>The audit events of a user (or of nobody: <see langword="null"/>), oldest first.</summary>
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
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Says what server this is; runs before anything starts. The options come with the defaults set.</summary>
    protected virtual void Configure(TestServerOptions server)
    {
    }

    /// <summary>Runs once the server runs: seed data, start what else the tests need.</summary>
    protected virtual Task StartedAsync() => Task.CompletedTask;

    /// <summary>Stops the relying party, the nodes, the SMTP server and the own PostgreSQL server; a subclass stops its own parts first.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        if (rp is not null)
        {
            await rp.DisposeAsync();
        }

        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        if (smtp is not null)
        {
            await smtp.DisposeAsync();
        }

        if (slapd is not null)
        {
            await slapd.DisposeAsync();
        }

        if (database is not null && ownPostgres is null)
        {
            await TestDatabase.DropAsync(database);
        }

        if (ownPostgres is not null)
        {
            await ownPostgres.DisposeAsync();
        }
    }

    private InvalidOperationException NotStarted(string part) =>
        new($"{GetType().Name} has no {part}: ask for it in Configure, and use it once the fixture has started.");
}
