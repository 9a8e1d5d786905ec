using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace IdentityProvider;

/// <summary>
/// The program's commands (<c>serve</c>, <c>migrate</c>, <c>healthcheck</c>, <c>help</c>) and its exit codes. Settings are
/// configuration (<c>--Section:Key=value</c>, environment variables, appsettings), so the command is the first argument
/// that is neither an option nor an option's value. A failure at start is one line on stderr and an exit code that says
/// what kind it was; <c>Logging__LogLevel__Default=Debug</c> adds the exception's details.
/// </summary>
internal static class CommandLine
{
    public const string HelpText = """
        Usage: IdentityProvider [command] [--Section:Key=value ...]

        Commands:
          serve                 Run the server (the default).
          migrate               Apply the pending database migrations and exit. Needs only the database settings.
          healthcheck [ready]   GET /health/live (or /health/ready) of the server running on this machine; exit 0 when
                                healthy, 1 when not. Port: ASPNETCORE_HTTP_PORTS, else 8080.
          help, --help, -h      Show this text.

        Settings (environment variables use __ for :, e.g. ConnectionStrings__PostgreSql):
          ConnectionStrings:PostgreSql          the database (without it: the embedded SQLite file)
          Database:MigrateOnStart               apply migrations at start (else run `migrate` first)
          Oidc:Issuer                           the public https:// URL of this server
          Oidc:Keys:SigningKeyPath, Oidc:Keys:EncryptionKeyPath    the token keys (PEM), or instead:
          Oidc:Keys:SigningKeysDirectory, Oidc:Keys:EncryptionKeysDirectory    folders of keys, rotated without a restart
          DataProtection:CertificatePath, DataProtection:CertificatePassword    encrypts the key ring at rest
          Hosting:UseForwardedHeaders, Hosting:KnownNetworks:0    behind a TLS-terminating proxy
          Messaging:Smtp:Host, Messaging:Smtp:Port, Messaging:Smtp:FromAddress    outgoing mail
          ASPNETCORE_ENVIRONMENT                Production (default), Staging or Development
          ASPNETCORE_HTTP_PORTS                 the port to listen on

        Exit codes:
          0  success
          1  configuration: a setting, key or certificate is missing or invalid
          2  usage: an unknown command
          3  database: it cannot be reached or refused the connection
          4  network: the address to listen on is in use
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var (command, rest) = Split(args);
        try
        {
            switch (command)
            {
                case "serve":
                    await ServeAsync(rest);
                    return (int)ExitCode.Success;
                case "migrate":
                    using (var host = IdentityProviderApplication.BuildMigrator(rest))
                    {
                        await host.MigrateAsync();
                    }

                    return (int)ExitCode.Success;
                case "healthcheck":
                    return await HealthCheckAsync(rest);
                case "help":
                    await Console.Out.WriteLineAsync(HelpText);
                    return (int)ExitCode.Success;
                default:
                    await Console.Error.WriteLineAsync($"Unknown command '{command}'. Run with --help to see the commands.");
                    return (int)ExitCode.Usage;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The top of the program: every failure becomes one line and an exit code; the trace only when asked for.
            var (code, message) = Describe(exception);
            await Console.Error.WriteLineAsync(message);
            if (WantsDetails(rest))
            {
                await Console.Error.WriteLineAsync(exception.ToString());
            }

            return (int)code;
        }
    }

    /// <summary>
    /// Runs the server. Until it has started, the host's own error events (a failed start, and the background services it
    /// then stops) are left to the one line written at the top: they would repeat it with a stack trace. After the start
    /// they are logged as usual.
    /// </summary>
    private static async Task ServeAsync(string[] args)
    {
        var started = false;
        var app = IdentityProviderApplication.Build(args, builder => builder.Logging.AddFilter(
            (category, level) => started || level < LogLevel.Error || category != HostCategory));
        app.Lifetime.ApplicationStarted.Register(() => started = true);
        await app.PrepareAsync();
        await app.RunAsync();
    }

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>The command (the first argument that is not an option or an option's value) and the arguments for the host.</summary>
    internal static (string Command, string[] HostArgs) Split(string[] args)
    {
        if (args.Any(arg => arg is "--help" or "-h" or "-?" or "/?"))
        {
            return ("help", [.. args.Where(arg => arg is not ("--help" or "-h" or "-?" or "/?"))]);
        }

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-') || arg.StartsWith('/'))
            {
                if (!arg.Contains('=', StringComparison.Ordinal))
                {
                    i++; // `--Key value`: the next argument is this option's value
                }

                continue;
            }

            var command = arg.ToLowerInvariant();
            var rest = args.Where((_, index) => index != i);
            if (command == "healthcheck" && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
            {
                // `healthcheck ready`: the probe's name travels as a setting of this command only.
                rest = rest.Where((_, index) => index != i).Append($"--HealthCheck={args[i + 1]}");
            }

            return (command, [.. rest]);
        }

        return ("serve", args);
    }

    /// <summary>What went wrong, in one line, and its exit code; the first recognised exception in the chain decides.</summary>
    internal static (ExitCode Code, string Message) Describe(Exception exception)
    {
        var chain = Chain(exception).ToList();
        if (chain.FirstOrDefault(e => e is IOException && Chain(e).Any(inner => inner is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                || inner.GetType().Name == "AddressInUseException")) is { } inUse)
        {
            return (ExitCode.AddressInUse, $"Cannot listen: {inUse.Message}");
        }

        if (chain.OfType<DbException>().FirstOrDefault() is { } database)
        {
            return (ExitCode.Database, $"Cannot use the database: {OneLine(database.Message)}");
        }

        if (chain.OfType<OptionsValidationException>().FirstOrDefault() is { } invalid)
        {
            return (ExitCode.Configuration, $"Invalid configuration: {OneLine(string.Join(" ", invalid.Failures))}");
        }

        var configuration = chain.FirstOrDefault(e => e is InvalidOperationException or ArgumentException or FormatException
            or FileNotFoundException or DirectoryNotFoundException or System.Security.Cryptography.CryptographicException);
        return configuration is not null
            ? (ExitCode.Configuration, $"Cannot start: {OneLine(configuration.Message)}")
            : (ExitCode.Configuration, $"Cannot start: {OneLine(exception.Message)} ({exception.GetType().Name})");
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        yield return exception;
        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)(exception.InnerException is { } one ? [one] : []);
        foreach (var next in inner.SelectMany(Chain))
        {
            yield return next;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The exception's details after the line when the default log level is Debug or Trace.</summary>
    private static bool WantsDetails(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        return Enum.TryParse<LogLevel>(configuration["Logging:LogLevel:Default"], ignoreCase: true, out var level) && level <= LogLevel.Debug;
    }

    /// <summary>GETs the running server's probe on the loopback address: for a container's HEALTHCHECK (the image has no curl).</summary>
    private static async Task<int> HealthCheckAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var probe = configuration["HealthCheck"] is { Length: > 0 } name ? name.ToLowerInvariant() : "live";
        if (probe is not ("live" or "ready"))
        {
            await Console.Error.WriteLineAsync($"Unknown probe '{probe}': use `healthcheck` (live) or `healthcheck ready`.");
            return (int)ExitCode.Usage;
        }

        var ports = configuration["ASPNETCORE_HTTP_PORTS"] ?? configuration["HTTP_PORTS"];
        var first = ports?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "8080";
        if (!ushort.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port == 0)
        {
            await Console.Error.WriteLineAsync($"ASPNETCORE_HTTP_PORTS must start with a port number (1 to 65535), not '{first}'.");
            return (int)ExitCode.Configuration;
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/health/{probe}"));
            await Console.Out.WriteLineAsync($"{probe}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{probe}: no answer from port {port}: {OneLine(exception.Message)}");
            return 1;
        }
    }
}

/// <summary>The program's exit codes (also listed in <see cref="CommandLine.HelpText"/> and deploy/README.md).</summary>
internal enum ExitCode
{
    Success = 0,

    /// <summary>A setting, key or certificate is missing or invalid (and any other failure at start).</summary>
    Configuration = 1,

    /// <summary>An unknown command or probe.</summary>
    Usage = 2,

    /// <summary>The database cannot be reached or refused the connection.</summary>
    Database = 3,

    /// <summary>The address to listen on is in use.</summary>
    AddressInUse = 4,
}
