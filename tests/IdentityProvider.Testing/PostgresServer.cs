using System.Diagnostics;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Testcontainers.PostgreSql;

namespace IdentityProvider.Testing;

/// <summary>
/// One PostgreSQL server for the whole test run. In order of preference: the server named by the
/// <c>IDP_TEST_POSTGRES</c> connection string; a throwaway server started from local PostgreSQL binaries;
/// a Testcontainers container when a Docker engine exists. With none of these the tests fail and say what to install.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string ConnectionStringVariable = "IDP_TEST_POSTGRES";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? shared;

    private readonly Func<ValueTask> stop;
    private readonly Func<Task>? pause;
    private readonly Func<Task>? resume;

    private PostgresServer(string adminConnectionString, string description, Func<ValueTask> stop, Func<Task>? pause = null, Func<Task>? resume = null)
    {
        AdminConnectionString = adminConnectionString;
        Description = description;
        this.stop = stop;
        this.pause = pause;
        this.resume = resume;
    }

    /// <summary>A connection string with the right to create databases.</summary>
    public string AdminConnectionString { get; }

    public string Description { get; }

    public static async Task<PostgresServer> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the shared server if this run started it.</summary>
    public static async Task StopSharedAsync()
    {
        if (shared is not null)
        {
            await shared.DisposeAsync();
            shared = null;
        }
    }

    public ValueTask DisposeAsync() => stop();

    /// <summary>
    /// A throwaway server of the caller's own (default settings: 100 connections), which the caller may stop and start
    /// again to play a database outage without disturbing the shared server. Needs the local PostgreSQL binaries.
    /// </summary>
    public static async Task<PostgresServer> StartOwnAsync()
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            "This test stops and starts a PostgreSQL server of its own and needs the PostgreSQL server binaries (initdb, pg_ctl): " +
            "on Debian `apt-get install postgresql`.");
        return await StartLocalAsync(binaries, "-c max_connections=100");
    }

    /// <summary>Stops an own server (fast shutdown: open connections are closed).</summary>
    public Task StopServerAsync() => (pause ?? throw new InvalidOperationException("Only a server from StartOwnAsync can be stopped."))();

    /// <summary>Starts an own server again on the same port and data; returns once it accepts connections.</summary>
    public Task StartServerAsync() => (resume ?? throw new InvalidOperationException("Only a server from StartOwnAsync can be started."))();

    /// <summary>A new database on this server with the real migrations applied.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name };
        var options = new DbContextOptionsBuilder<PostgreSqlDbContext>()
            .UseNpgsql(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false }.ConnectionString).UseOpenIddict().Options;
        await using (var db = new PostgreSqlDbContext(options))
        {
            await db.Database.MigrateAsync();
        }

        // Without a pool size of its own: the server's default (Database:MaxPoolSize) applies.
        builder.Remove("Maximum Pool Size");
        return builder.ConnectionString;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PostgresServer(configured, $"{ConnectionStringVariable}", () => ValueTask.CompletedTask);
        }

        var binaries = FindBinaries();
        if (binaries is not null)
        {
            return await StartLocalAsync(binaries);
        }

        try
        {
            var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await container.StartAsync();
            return new PostgresServer(container.GetConnectionString(), "Testcontainers", container.DisposeAsync);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                "The integration tests need PostgreSQL and found none. Do one of: install the PostgreSQL server binaries " +
                "(Debian: `apt-get install postgresql`; the tests start a throwaway server from initdb/pg_ctl), set " +
                $"{ConnectionStringVariable} to a connection string of a server where the user may create databases, or run a Docker engine " +
                "for Testcontainers. Docker said: " + exception.Message, exception);
        }
    }

    private static string? FindBinaries()
    {
        var candidates = new List<string>();
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            candidates.Add(directory);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private static async Task<PostgresServer> StartLocalAsync(string binaries, string connections = "-c max_connections=300")
    {
        var root = Directory.CreateTempSubdirectory("idp-pg-");
        var data = Path.Combine(root.FullName, "data");
        var port = Ports.Free();

        // initdb refuses to run as root: run the server as an unprivileged account that owns the folder.
        var runAs = Environment.UserName == "root" ? (UserExists("postgres") ? "postgres" : "nobody") : null;
        if (runAs is not null)
        {
            await RunAsync("chown", ["-R", runAs, root.FullName]);
        }

        await RunAsync(Path.Combine(binaries, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], runAs);
        var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";
        async Task StartAsync()
        {
            await RunAsync(
                Path.Combine(binaries, "pg_ctl"),
                ["-D", data, "-l", Path.Combine(root.FullName, "server.log"), "-w", "-t", "60", "start", "-o",
                 $"-p {port} -k {root.FullName} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off {connections}"],
                runAs);
            await WaitUntilReadyAsync(connectionString);
        }

        await StartAsync();
        Task PauseAsync() => RunAsync(Path.Combine(binaries, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"], runAs);
        return new PostgresServer(connectionString, $"local PostgreSQL on port {port}", async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await RunAsync(Path.Combine(binaries, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], runAs, throwOnError: false);
            try
            {
                root.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }, PauseAsync, StartAsync);
    }

    private static async Task WaitUntilReadyAsync(string connectionString)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    internal static bool UserExists(string name) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(line => line.StartsWith(name + ":", StringComparison.Ordinal));

    /// <summary>Runs a command (as <paramref name="runAs"/> when given) and waits for it; a failure throws with its output.</summary>
    internal static async Task RunAsync(string file, string[] arguments, string? runAs = null, bool throwOnError = true)
    {
        var start = runAs is null ? new ProcessStartInfo(file) : new ProcessStartInfo("runuser", ["-u", runAs, "--", file]);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new InvalidOperationException($"{file} failed with exit code {process.ExitCode}: {await output}{await error}");
        }
    }
}
