using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace IdentityProvider.UnitTests.Deploy;

/// <summary>
/// A lint of the container files, for machines without Docker: the Dockerfile (non-root, health check, ReadyToRun, no
/// secret in ENV, every COPY source present), the compose files (every dependency a service, every mounted local file
/// present, every <c>Section__Key</c> variable a setting the server reads) and the collector configuration.
/// </summary>
public sealed partial class ContainerFilesTests
{
    private static readonly string Deploy = Path.Combine(Repository.Root, "deploy");
    private static readonly string[] ComposeFiles = ["compose.yaml", "compose.directory.yaml"];

    [Fact]
    public void Dockerfile_BuildsReadyToRun_RunsAsNonRoot_WithAHealthCheck()
    {
        var instructions = Instructions(File.ReadAllText(Path.Combine(Deploy, "Dockerfile")));
        var runtime = instructions.SkipWhile(line => !line.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet", StringComparison.Ordinal)).ToList();

        Assert.Contains(instructions, line => line.StartsWith("RUN dotnet publish", StringComparison.Ordinal)
            && line.Contains("-p:PublishReadyToRun=true", StringComparison.Ordinal) && line.Contains(" -r ", StringComparison.Ordinal));
        var user = Assert.Single(runtime, line => line.StartsWith("USER ", StringComparison.Ordinal));
        Assert.True(user is "USER $APP_UID" or "USER app" || int.TryParse(user[5..], out var uid) && uid > 0, $"Not a non-root user: {user}");
        var healthCheck = Assert.Single(runtime, line => line.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.Contains("\"healthcheck\"", healthCheck, StringComparison.Ordinal);
        Assert.True(runtime.IndexOf(user) < runtime.FindIndex(line => line.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
    }

    [Fact]
    public void Dockerfile_HasNoSecretInItsEnvironment()
    {
        var environment = Instructions(File.ReadAllText(Path.Combine(Deploy, "Dockerfile")))
            .Where(line => line.StartsWith("ENV ", StringComparison.Ordinal) || line.StartsWith("ARG ", StringComparison.Ordinal));

        Assert.All(environment, line => Assert.DoesNotMatch(SecretName(), line));
    }

    [Fact]
    public void Dockerfile_CopiesOnlyWhatExists()
    {
        var copies = Instructions(File.ReadAllText(Path.Combine(Deploy, "Dockerfile")))
            .Where(line => line.StartsWith("COPY ", StringComparison.Ordinal) && !line.Contains("--from=", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1];
            Assert.All(parts, source => Assert.True(Path.Exists(Path.Combine(Repository.Root, source)), $"{copy}: '{source}' does not exist (the build context is the repository root)."));
        }

        // Restore runs before the sources are copied: whatever the project file imports must be copied with it.
        var project = File.ReadAllText(Path.Combine(Repository.Root, "src", "IdentityProvider", "IdentityProvider.csproj"));
        foreach (Match import in ProjectImport().Matches(project))
        {
            Assert.Contains(copies, copy => copy.Contains("src/IdentityProvider/" + import.Groups[1].Value, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Compose_DependenciesAndMountedFilesExist()
    {
        var services = ComposeFiles.Select(Services).ToList();
        var names = services.SelectMany(file => file.Children.Keys).Select(key => key.ToString()).ToHashSet(StringComparer.Ordinal);

        foreach (var (service, definition) in services.SelectMany(file => file.Children).Select(entry => (entry.Key.ToString(), (YamlMappingNode)entry.Value)))
        {
            if (definition.Children.TryGetValue("depends_on", out var dependsOn))
            {
                var dependencies = dependsOn is YamlMappingNode map ? map.Children.Keys.Select(key => key.ToString()) : ((YamlSequenceNode)dependsOn).Select(node => node.ToString());
                Assert.All(dependencies, dependency => Assert.True(names.Contains(dependency), $"{service} depends on '{dependency}', which is no service."));
            }

            foreach (var volume in Sequence(definition, "volumes").Select(node => node.ToString()))
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith('.'))
                {
                    Assert.True(Path.Exists(Path.Combine(Deploy, source)) || source == "./keys", $"{service} mounts '{source}', which does not exist next to the compose file.");
                }
            }
        }

        Assert.Contains("otel-collector", names);
    }

    [Fact]
    public void Compose_SettingsAreOnesTheServerReads()
    {
        var variables = ComposeFiles.SelectMany(file => Load(file).AllNodes.OfType<YamlMappingNode>())
            .Where(node => node.Children.ContainsKey("ASPNETCORE_ENVIRONMENT") || node.Children.Keys.Any(key => key.ToString().StartsWith("Directories__", StringComparison.Ordinal)))
            .SelectMany(node => node.Children.Keys.Select(key => key.ToString()))
            .Where(name => name.Contains("__", StringComparison.Ordinal) && !name.StartsWith("<<", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(variables);
        Assert.All(variables, name => Assert.True(Settings.IsKnown(name), $"'{name}' is not a setting the server reads (misspelled?)."));
    }

    [Theory]
    [InlineData("Database__MaxPoolSize", true)]
    [InlineData("Oidc__Keys__SigningKeyPath", true)]
    [InlineData("Directories__Connections__0__BindDn", true)]
    [InlineData("DataProtection__CertificatePath", true)]
    [InlineData("ConnectionStrings__PostgreSql", true)]
    [InlineData("Database__MaxPoolSise", false)]
    [InlineData("Oidc__Key__SigningKeyPath", false)]
    [InlineData("Directories__Connections__0__BindDN", false)]
    public void Settings_KnowsTheServersOptions(string name, bool known) => Assert.Equal(known, Settings.IsKnown(name));

    [Fact]
    public void Collector_ReceivesOtlp_AndEveryPipelineUsesDefinedParts()
    {
        var root = (YamlMappingNode)Load("otel-collector.yaml").RootNode;
        var receivers = Mapping(root, "receivers");
        var otlp = Mapping(Mapping(receivers, "otlp"), "protocols");
        Assert.True(otlp.Children.ContainsKey("grpc") && otlp.Children.ContainsKey("http"));

        var pipelines = Mapping(Mapping(root, "service"), "pipelines");
        Assert.NotEmpty(pipelines.Children);
        foreach (var (name, pipeline) in pipelines.Children.Select(entry => (entry.Key.ToString(), (YamlMappingNode)entry.Value)))
        {
            foreach (var part in new[] { "receivers", "processors", "exporters" })
            {
                var defined = root.Children.TryGetValue(part, out var section) ? ((YamlMappingNode)section).Children.Keys.Select(key => key.ToString()).ToHashSet() : [];
                Assert.All(Sequence(pipeline, part).Select(node => node.ToString()), used => Assert.True(defined.Contains(used), $"Pipeline {name} uses {part} '{used}', which is not defined."));
            }
        }

        var compose = Services("compose.yaml");
        var volumes = Sequence((YamlMappingNode)compose.Children["otel-collector"], "volumes").Select(node => node.ToString());
        Assert.Contains(volumes, volume => volume.StartsWith("./otel-collector.yaml:", StringComparison.Ordinal));
    }

    /// <summary>The Dockerfile's instructions, continuation lines joined and comments left out.</summary>
    private static List<string> Instructions(string dockerfile) =>
        [.. Regex.Replace(dockerfile, @"\\\r?\n\s*", " ").Split('\n').Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))];

    private static YamlDocument Load(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Deploy, file))));
        return stream.Documents[0];
    }

    private static YamlMappingNode Services(string file) => Mapping((YamlMappingNode)Load(file).RootNode, "services");

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[key];

    private static List<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlSequenceNode sequence ? [.. sequence] : [];

    [GeneratedRegex("(?i)(password|secret|private.?key|token)\\w*\\s*=")]
    private static partial Regex SecretName();

    [GeneratedRegex("<Import Project=\"([^\"]+)\"")]
    private static partial Regex ProjectImport();

    /// <summary>
    /// Whether <c>Section__Key__...</c> names a setting: a property path of an options class (found by its
    /// <c>SectionName</c>), a connection string, or a key the server reads by name (as <c>"Section:Key"</c> in its source).
    /// </summary>
    private static class Settings
    {
        private static readonly Assembly Server = typeof(IdentityProvider.Data.DatabaseOptions).Assembly;

        private static readonly Dictionary<string, Type> Sections = Server.GetTypes()
            .Select(type => (Type: type, Field: type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(entry => entry.Field is { IsLiteral: true })
            .ToDictionary(entry => (string)entry.Field!.GetRawConstantValue()!, entry => entry.Type, StringComparer.OrdinalIgnoreCase);

        private static readonly string Source = string.Join('\n', Directory.GetFiles(Path.Combine(Repository.Root, "src", "IdentityProvider"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains("Migrations", StringComparison.Ordinal) && !file.Contains("CompiledModels", StringComparison.Ordinal))
            .Select(File.ReadAllText));

        public static bool IsKnown(string variable)
        {
            var path = variable.Split("__");
            if (path[0] == "ConnectionStrings")
            {
                return path.Length == 2;
            }

            if (Source.Contains($"\"{string.Join(':', path)}\"", StringComparison.Ordinal))
            {
                return true;
            }

            // The longest section name that starts the path ("SelfService:Captcha" before "SelfService").
            for (var length = path.Length - 1; length >= 1; length--)
            {
                if (Sections.TryGetValue(string.Join(':', path[..length]), out var type))
                {
                    return Resolves(type, path[length..]);
                }
            }

            return false;
        }

        private static bool Resolves(Type type, string[] path)
        {
            foreach (var segment in path)
            {
                if (int.TryParse(segment, out _) && ElementType(type) is { } element)
                {
                    type = element;
                    continue;
                }

                // Configuration binding ignores case, but a name spelled differently from the option is a mistake worth a look.
                var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance);
                if (property is null)
                {
                    return false;
                }

                type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            }

            return true;
        }

        private static Type? ElementType(Type type) => type.IsArray ? type.GetElementType()
            : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) is { } enumerable && type != typeof(string)
                ? enumerable.GetGenericArguments()[0] : null;
    }
}
