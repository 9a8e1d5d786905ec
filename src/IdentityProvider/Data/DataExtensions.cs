using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace IdentityProvider.Data;

internal static class DataExtensions
{
    public const string DefaultSqliteConnectionString = "Data Source=App_Data/identity.db";

    /// <summary>
    /// Registers the one DbContext on the configured provider and keeps Data Protection keys in it. <paramref name="compiledModel"/>
    /// gives each provider's model compiled ahead of time (building it from the entity configurations took about half a
    /// second of every start), or null to build it from the code.
    /// </summary>
    public static WebApplicationBuilder AddData(this WebApplicationBuilder builder, Func<DatabaseProvider, Microsoft.EntityFrameworkCore.Metadata.IModel?>? compiledModel = null)
    {
        builder.AddDatabase(compiledModel);
        AddKeyRing(builder);
        builder.Services.AddHealthChecks().AddDbContextCheck<ApplicationDbContext>("database", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// The DbContext on the configured provider and the migrator, nothing else: all the <c>migrate</c> command needs (no
    /// token keys, no key-ring certificate).
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder, Func<DatabaseProvider, Microsoft.EntityFrameworkCore.Metadata.IModel?>? compiledModel = null)
    {
        var options = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        var postgres = builder.Configuration.GetConnectionString("PostgreSql");
        var provider = options.Provider ?? (string.IsNullOrWhiteSpace(postgres) ? DatabaseProvider.Sqlite : DatabaseProvider.PostgreSql);

        if (provider == DatabaseProvider.PostgreSql)
        {
            if (string.IsNullOrWhiteSpace(postgres))
            {
                throw new InvalidOperationException(
                    "Database:Provider is PostgreSql but ConnectionStrings:PostgreSql is empty. Set it, e.g. " +
                    "ConnectionStrings__PostgreSql=\"Host=db;Database=identity;Username=identity;Password=...\".");
            }

            var pooled = new NpgsqlConnectionStringBuilder(postgres);
            if (!Names(postgres, "MaximumPoolSize", "MaxPoolSize"))
            {
                pooled.MaxPoolSize = options.MaxPoolSize;
            }

            // A connection back in the pool keeps its prepared statements instead of being reset (DISCARD ALL, one more
            // round trip per open); this server keeps no session state on a connection. The statements EF Core sends
            // most are prepared once per connection. A value in the connection string wins.
            if (!Names(postgres, "NoResetOnClose"))
            {
                pooled.NoResetOnClose = true;
            }

            if (!Names(postgres, "MaxAutoPrepare"))
            {
                pooled.MaxAutoPrepare = 64;
            }

            // Contexts are reused across requests (their state is reset), so a request does not build EF Core's services anew.
            builder.Services.AddDbContextPool<ApplicationDbContext, PostgreSqlDbContext>((services, db) =>
            {
                if (compiledModel?.Invoke(DatabaseProvider.PostgreSql) is { } model)
                {
                    db.UseModel(model);
                }

                db.UseNpgsql(pooled.ConnectionString, npgsql =>
                {
                    npgsql.CommandTimeout(options.CommandTimeoutSeconds);
                    if (options.MaxRetryCount > 0)
                    {
                        npgsql.ExecutionStrategy(dependencies => new DatabaseRetries(dependencies, options.MaxRetryCount, options.MaxRetryDelay));
                    }
                });
                db.UseOpenIddict();
                db.AddInterceptors(services.GetRequiredService<ProfileChangeStamp>());
            });
        }
        else
        {
            var sqlite = builder.Configuration.GetConnectionString("Sqlite") ?? DefaultSqliteConnectionString;
            sqlite = InContentRoot(sqlite, builder.Environment.ContentRootPath);
            builder.Services.AddDbContext<ApplicationDbContext, SqliteDbContext>((services, db) =>
            {
                if (compiledModel?.Invoke(DatabaseProvider.Sqlite) is { } model)
                {
                    db.UseModel(model);
                }

                db.UseSqlite(sqlite, lite => lite.CommandTimeout(options.CommandTimeoutSeconds));
                db.UseOpenIddict();
                db.AddInterceptors(services.GetRequiredService<ProfileChangeStamp>());
            });
        }

        builder.Services.AddSingleton<ProfileChangeStamp>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<DatabaseMigrator>();
        return builder;
    }

    private static void AddKeyRing(WebApplicationBuilder builder)
    {
        var keyRing = builder.Services.AddDataProtection()
            .SetApplicationName("IdentityProvider")
            .PersistKeysToDbContext<ApplicationDbContext>();

        // Encrypt the key ring at rest with a certificate (PKCS#12) in production; without one, keys are stored in clear,
        // which Production accepts only when told so explicitly (DataProtection:AllowUnprotectedKeyRing).
        var certificatePath = builder.Configuration["DataProtection:CertificatePath"];
        if (string.IsNullOrWhiteSpace(certificatePath) && builder.Environment.IsProduction()
            && !builder.Configuration.GetValue<bool>("DataProtection:AllowUnprotectedKeyRing"))
        {
            throw new InvalidOperationException(
                "The Data Protection key ring (it protects cookies, authenticator secrets and queued messages) would be stored unencrypted in the " +
                "database. In the Production environment set DataProtection:CertificatePath (a PKCS#12 certificate, with " +
                "DataProtection:CertificatePassword) to encrypt it, or set DataProtection:AllowUnprotectedKeyRing=true to accept that risk.");
        }

        if (!string.IsNullOrWhiteSpace(certificatePath))
        {
            var fullPath = Path.GetFullPath(certificatePath, builder.Environment.ContentRootPath);
            if (!File.Exists(fullPath))
            {
                throw new InvalidOperationException($"DataProtection:CertificatePath points to '{fullPath}', which does not exist.");
            }

            var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                fullPath, builder.Configuration["DataProtection:CertificatePassword"],
                System.Security.Cryptography.X509Certificates.X509KeyStorageFlags.EphemeralKeySet);
            keyRing.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
    }

    /// <summary>Whether the connection string names a pool size itself (under any of Npgsql's spellings).</summary>
    /// <summary>Whether the connection string sets any of these keywords (spaces and case ignored).</summary>
    private static bool Names(string connectionString, params string[] keywords) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", string.Empty, StringComparison.Ordinal))
            .Any(key => keywords.Any(keyword => key.Equals(keyword, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// A relative SQLite file is the content root's, wherever the process was started from (SQLite itself would resolve it
    /// against the working directory); its folder is created if missing.
    /// </summary>
    private static string InContentRoot(string connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var dataSource = builder.DataSource;
        if (string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory
            || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            || dataSource.StartsWith("|DataDirectory|", StringComparison.OrdinalIgnoreCase))
        {
            return connectionString;
        }

        builder.DataSource = Path.GetFullPath(dataSource, contentRoot);
        var directory = Path.GetDirectoryName(builder.DataSource);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return builder.ConnectionString;
    }
}
