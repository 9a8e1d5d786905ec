using System.Diagnostics;
using IdentityProvider.Testing;
using Npgsql;

namespace IdentityProvider.IntegrationTests.Hosting;

/// <summary>
/// The built program as an operator runs it (<c>dotnet IdentityProvider.dll ...</c>, a process of its own): the commands,
/// the exit codes, and start-up failures in one line without a stack trace.
/// </summary>
public sealed class CommandLineTests
{
    private const string StackFrame = "   at ";

    [Fact]
    public async Task Help_ListsTheCommandsAndExitCodes()
    {
        var run = await RunAsync(["--help"]);

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "serve", "migrate", "healthcheck", "Exit codes", "ConnectionStrings:PostgreSql" })
        {
            Assert.Contains(command, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownCommand_IsAUsageError_ThatPointsToHelp()
    {
        var run = await RunAsync(["--Logging:LogLevel:Default=Warning", "serv"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("Unknown command 'serv'. Run with --help to see the commands.", run.SingleErrorLine());
    }

    [Fact]
    public async Task Production_WithoutKeys_FailsInOneLine()
    {
        var run = await RunAsync([], new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__PostgreSql"] = "Host=127.0.0.1;Database=unused",
            ["Oidc__Issuer"] = "https://id.example.org/",
            ["DataProtection__AllowUnprotectedKeyRing"] = "true",
        });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Oidc:Keys:SigningKeyPath", run.SingleErrorLine(), StringComparison.Ordinal);
        Assert.DoesNotContain(StackFrame, run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_NeedsOnlyTheDatabase_AndCreatesTheSchema()
    {
        var server = await PostgresServer.GetAsync();
        var name = "idp_cli_migrate_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(server.AdminConnectionString, $"CREATE DATABASE \"{name}\"");
        var database = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name }.ConnectionString;
        try
        {
            // Production, and none of the server's settings: no keys, issuer, key-ring certificate or SMTP.
            var run = await RunAsync(["migrate"], new()
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__PostgreSql"] = database,
            });

            Assert.True(run.ExitCode == 0, run.Error + run.Output);
            Assert.Empty(run.Error.Trim());
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM \"__EFMigrationsHistory\"", connection);
            Assert.True((long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))! >= 1);
            await using var users = new NpgsqlCommand("SELECT count(*) FROM \"AspNetUsers\"", connection);
            Assert.Equal(0L, await users.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            await ExecuteAsync(server.AdminConnectionString, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    [Fact]
    public async Task Migrate_UnreachableDatabase_FailsInOneLine()
    {
        var closedPort = Ports.Free();
        var run = await RunAsync(["migrate"], new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__PostgreSql"] = $"Host=127.0.0.1;Port={closedPort};Database=identity;Username=identity;Password=unused",
        });

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith("Cannot use the database: ", run.SingleErrorLine(), StringComparison.Ordinal);
        Assert.DoesNotContain(StackFrame, run.Output + run.Error, StringComparison.Ordinal);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Runs the program built beside these tests from the project folder (its appsettings.json), with none of this
    /// process's ASP.NET Core or configuration variables, and waits at most a minute.
    /// </summary>
    private static async Task<ProgramRun> RunAsync(string[] args, Dictionary<string, string>? environment = null)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "IdentityProvider.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = SourceTree.ProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(key => key.Contains("__", StringComparison.Ordinal)
            || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key == "DOTNET_ENVIRONMENT").ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet IdentityProvider.dll {string.Join(' ', args)} did not end within a minute.");
        }

        return new ProgramRun(process.ExitCode, await output, await error);
    }

    private sealed record ProgramRun(int ExitCode, string Output, string Error)
    {
        public string SingleErrorLine()
        {
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1, $"Expected one line on stderr, got {lines.Length}:\n{Error}");
            return lines[0];
        }
    }
}
