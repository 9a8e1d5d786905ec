using System.Reflection;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace IdentityProvider.UnitTests.Deploy;

/// <summary>
/// Every manifest under deploy/kubernetes against the Kubernetes object schema, at the level of
/// <c>kubectl apply --dry-run=client</c>: the built-in kinds through KubernetesClient's typed models, read strictly (an
/// unknown or misspelled field fails, so does a value of the wrong type) and checked for their required fields; the
/// CloudNativePG kinds (Cluster, Pooler) against the shape of the fields these manifests use (<see cref="CloudNativePg"/>).
/// A cluster with the operator installed checks them fully: <c>kubectl apply --dry-run=server -f deploy/kubernetes</c>.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Manifests = Path.Combine(Repository.Root, "deploy", "kubernetes");

    private static readonly Dictionary<string, Type> BuiltIn = typeof(V1Deployment).Assembly.GetTypes()
        .Select(type => (Type: type, Entity: type.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(entry => entry.Entity is not null && typeof(IKubernetesObject).IsAssignableFrom(entry.Type) && !entry.Type.Name.EndsWith("List", StringComparison.Ordinal))
        .GroupBy(entry => ApiVersionKind(entry.Entity!.Group, entry.Entity.ApiVersion, entry.Entity.Kind))
        .ToDictionary(group => group.Key, group => group.First().Type, StringComparer.Ordinal);

    public static TheoryData<string> Files() => [.. Directory.GetFiles(Manifests, "*.yaml").Select(file => Path.GetFileName(file)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Files))]
    public void Manifest_MatchesTheKubernetesSchema(string file)
    {
        var documents = Documents(File.ReadAllText(Path.Combine(Manifests, file)));

        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            Check(document);
        }
    }

    [Fact]
    public void TheManifests_HaveWhatTheIssueAsksFor()
    {
        var kinds = Directory.GetFiles(Manifests, "*.yaml").SelectMany(file => Documents(File.ReadAllText(file))).Select(Load).ToList();

        var deployment = Assert.Single(kinds.OfType<V1Deployment>());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health/live", container.StartupProbe.HttpGet.Path);
        Assert.NotNull(container.Resources.Requests["memory"]);
        Assert.NotNull(container.Resources.Limits["memory"]);
        var autoscaler = Assert.Single(kinds.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal(deployment.Metadata.Name, autoscaler.Spec.ScaleTargetRef.Name);
        Assert.True(autoscaler.Spec.MinReplicas >= 2);
        Assert.Single(kinds.OfType<V1PodDisruptionBudget>());
        var migrate = Assert.Single(kinds.OfType<V1Job>());
        Assert.Equal(["migrate"], Assert.Single(migrate.Spec.Template.Spec.Containers).Args);
        Assert.DoesNotContain(Assert.Single(migrate.Spec.Template.Spec.Containers).Env, variable => variable.Name.StartsWith("Oidc__", StringComparison.Ordinal));
        Assert.Equal(3, Assert.Single(kinds.OfType<CloudNativePg.Cluster>()).Spec.Instances);
        Assert.Single(kinds.OfType<CloudNativePg.Pooler>());
    }

    [Theory]
    [InlineData("revisionHistoryLimit: 5", "revisionHistoryLimt: 5")] // a misspelled field
    [InlineData("revisionHistoryLimit: 5", "revisionHistoryLimit: five")] // a number that is not one
    [InlineData("containerPort: 8080", "containerPort: [8080]")] // a list where one value goes
    [InlineData("        - name: identity-provider\n          image: identity-provider:latest", "        - image: identity-provider:latest")] // a container without its required name
    public void AMistake_IsFound(string right, string wrong)
    {
        var text = File.ReadAllText(Path.Combine(Manifests, "identity-provider.yaml"));
        Assert.Contains(right, text, StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => Documents(text.Replace(right, wrong, StringComparison.Ordinal)).ForEach(Check));
    }

    [Theory]
    [InlineData("instances: 3", "instance: 3")]
    [InlineData("poolMode: session", "poolmode: session")]
    [InlineData("instances: 3", "instances: three")]
    public void AMistakeInTheOperatorsKinds_IsFound(string right, string wrong)
    {
        var text = File.ReadAllText(Path.Combine(Manifests, "postgres.yaml"));
        Assert.Contains(right, text, StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => Documents(text.Replace(right, wrong, StringComparison.Ordinal)).ForEach(Check));
    }

    private static void Check(string document)
    {
        var entity = Load(document);
        var meta = Assert.IsAssignableFrom<IMetadata<V1ObjectMeta>>(entity);
        Assert.False(string.IsNullOrEmpty(meta.Metadata?.Name), "Every object needs metadata.name.");

        // Required fields the typed models do not enforce themselves: a pod's containers need a name and an image.
        var pod = entity switch
        {
            V1Deployment deployment => deployment.Spec?.Template?.Spec,
            V1Job job => job.Spec?.Template?.Spec,
            _ => null,
        };
        foreach (var container in pod?.Containers ?? [])
        {
            Assert.False(string.IsNullOrEmpty(container.Name), "Every container needs a name.");
            Assert.False(string.IsNullOrEmpty(container.Image), $"Container {container.Name} needs an image.");
        }

        // The operator's kinds check their own required fields and enumerations.
        entity.GetType().GetMethod("Validate", Type.EmptyTypes)?.Invoke(entity, null);
    }

    private static object Load(string document)
    {
        var head = KubernetesYaml.Deserialize<KubernetesObject>(document);
        var key = ApiVersionKind(null, head.ApiVersion, head.Kind);
        var type = BuiltIn.GetValueOrDefault(key) ?? CloudNativePg.Kinds.GetValueOrDefault(key)
            ?? throw new InvalidOperationException($"Unknown kind '{key}': add it to the test (or check its spelling).");
        var deserialize = typeof(KubernetesYaml).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(method => method.Name == nameof(KubernetesYaml.Deserialize) && method.IsGenericMethod
                && method.GetParameters() is [{ ParameterType: var text }, { ParameterType: var strict }] && text == typeof(string) && strict == typeof(bool))
            .MakeGenericMethod(type);
        try
        {
            return deserialize.Invoke(null, [document, true])!;
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }

    private static string ApiVersionKind(string? group, string apiVersion, string kind) =>
        $"{(string.IsNullOrEmpty(group) ? string.Empty : group + "/")}{apiVersion}/{kind}";

    /// <summary>The YAML documents of a file, each as text of its own.</summary>
    private static List<string> Documents(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Where(document => document.RootNode is YamlMappingNode { Children.Count: > 0 }).Select(document =>
        {
            using var writer = new StringWriter();
            new YamlStream(document).Save(writer, assignAnchors: false);
            return writer.ToString();
        })];
    }
}
