using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace IdentityProvider.Testing;

/// <summary>
/// A database of its own for one test class: cloned from a template that the real migrations built once per run.
/// </summary>
public static class TestDatabase
{
    private const string Template = "idp_template";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool templateReady;

    public static async Task<string> CreateAsync(string hint)
    {
        var server = await PostgresServer.GetAsync();
        await EnsureTemplateAsync(server);

        var name = "idp_" + new string([.. hint.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(30)]) + "_" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = new NpgsqlConnection(server.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{Template}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Drops a database made by <see cref="CreateAsync"/> and ends the server connections still open to it, so that a
    /// finished test class does not hold connections (its pool's idle ones would otherwise live on for minutes) that the
    /// classes still running need.
    /// </summary>
    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (string.IsNullOrEmpty(name) || name == Template)
        {
            return;
        }

        var server = await PostgresServer.GetAsync();
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task EnsureTemplateAsync(PostgresServer server)
    {
        await Gate.WaitAsync();
        try
        {
            if (templateReady)
            {
                return;
            }

            await using (var connection = new NpgsqlConnection(server.AdminConnectionString))
            {
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Template}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Template}\"", connection);
                await create.ExecuteNonQueryAsync();
            }

            var templateConnection = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = Template, Pooling = false }.ConnectionString;
            var options = new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql(templateConnection).UseOpenIddict().Options;
            await using (var db = new PostgreSqlDbContext(options))
            {
                await db.Database.MigrateAsync();
            }

            templateReady = true;
        }
        finally
        {
            Gate.Release();
        }
    }
}
