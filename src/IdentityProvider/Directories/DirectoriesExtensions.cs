using System.ComponentModel.DataAnnotations;
using IdentityProvider.Passwords;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Directories;

internal static class DirectoriesExtensions
{
    /// <summary>On-premises directories: connectors, sign-in by bind, writeback, unlock, the sync and its health check.</summary>
    public static WebApplicationBuilder AddDirectories(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DirectoriesOptions>().BindConfiguration(DirectoriesOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DirectoriesOptions>>(new DirectoriesValidation(builder.Environment, builder.Configuration));
        builder.Services.AddSingleton<DirectoryRegistry>();
        builder.Services.AddScoped<DirectoryPasswords>();
        builder.Services.AddScoped<IExternalPasswordStore>(services => services.GetRequiredService<DirectoryPasswords>());
        builder.Services.AddScoped<DirectoryAccounts>();
        builder.Services.AddScoped<IExternalAccountSource>(services => services.GetRequiredService<DirectoryAccounts>());
        builder.Services.AddScoped<DirectorySynchronizer>();
        builder.Services.AddHostedService<DirectorySyncService>();
        builder.Services.AddSingleton<DirectoryHealthCheck>();
        builder.Services.AddHealthChecks().AddCheck<DirectoryHealthCheck>("directories", tags: ["ready"]);
        return builder;
    }
}

/// <summary>
/// Each directory's settings (readable at all, data annotations), unique names, an existing CA file, and no unencrypted
/// directory in Production.
/// </summary>
internal sealed class DirectoriesValidation(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<DirectoriesOptions>
{
    public ValidateOptionsResult Validate(string? name, DirectoriesOptions options)
    {
        var failures = new List<string>();

        // The configuration binder leaves out a list item with a value it can't convert (Kind=AD, Port=389x,
        // PasswordWriteback=yes) without a word: bind each one alone, strictly, to say which value is wrong.
        foreach (var section in configuration.GetSection($"{DirectoriesOptions.SectionName}:{nameof(DirectoriesOptions.Connections)}").GetChildren())
        {
            try
            {
                section.Get<DirectoryOptions>(binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException exception)
            {
                failures.Add($"{section.Path} can't be read: {exception.Message}");
            }
        }

        foreach (var (directory, index) in options.Connections.Select((d, i) => (d, i)))
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(directory, new ValidationContext(directory), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"Directories:Connections:{index}: {r.ErrorMessage}"));
            }

            if (directory.Servers.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"Directories:Connections:{index}:Servers has an empty entry.");
            }

            if (!string.IsNullOrWhiteSpace(directory.CaCertificatePath) && !File.Exists(directory.CaCertificatePath))
            {
                failures.Add($"Directories:Connections:{index}:CaCertificatePath points to '{directory.CaCertificatePath}', which does not exist.");
            }

            if (directory.Security == DirectorySecurity.None && environment.IsProduction())
            {
                failures.Add($"Directories:Connections:{index}:Security is None, which sends passwords in clear: use Ldaps or StartTls in Production.");
            }
        }

        failures.AddRange(options.Connections.GroupBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"Directories:Connections: the name '{g.Key}' is used twice."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
