using Microsoft.AspNetCore.Builder;

namespace IdentityProvider.Testing;

/// <summary>
/// The server a test class asks for from <see cref="TestServerFixture"/>: configuration on top of
/// <see cref="IdentityProviderHost"/>'s test defaults, and which of the parts around it to start.
/// </summary>
public sealed class TestServerOptions
{
    /// <summary>Names the test database (for someone reading the server's list of databases).</summary>
    public string Name { get; set; } = "tests";

    /// <summary>Configuration keys and values; a <see langword="null"/> value removes one of the host's test defaults.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>How many nodes run on the one database (each with its own background services), 1 unless told.</summary>
    public int Nodes { get; set; } = 1;

    /// <summary>The environment the server runs in: <c>Testing</c> unless told (e.g. <c>Development</c>).</summary>
    public string Environment { get; set; } = "Testing";

    /// <summary>Starts a real SMTP server on loopback and sends email there instead of to the dev mailbox.</summary>
    public bool Smtp { get; set; }

    /// <summary>Gives every node one clock the tests move (<see cref="TestServerFixture.Clock"/>).</summary>
    public bool FakeClock { get; set; }

    /// <summary>Registers and starts a relying web app (<see cref="RelyingPartyHost"/>) as a confidential client.</summary>
    public bool RelyingParty { get; set; }

    /// <summary>
    /// Runs the database on a PostgreSQL server of the fixture's own (100 connections, to be stopped and started for an
    /// outage) instead of the run's shared one.
    /// </summary>
    public bool OwnPostgres { get; set; }

    /// <summary>
    /// Starts a throwaway OpenLDAP server (<see cref="SlapdServer"/>) and connects it as the directory
    /// <see cref="TestServerFixture.DirectoryName"/>: LDAPS with the test CA pinned (or StartTLS on the plain port when
    /// <c>Directories:Connections:0:Security</c> says so), writeback and unlock on, users imported when they first sign
    /// in. A setting given in <see cref="Settings"/> wins over these.
    /// </summary>
    public bool Directory { get; set; }

    /// <summary>Roles created once the server runs.</summary>
    public IList<string> Roles { get; } = [];

    /// <summary>Anything else for every node: extra or replaced services, logging.</summary>
    public Action<WebApplicationBuilder>? Host { get; set; }
}
