using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace IdentityProvider.UnitTests.Deploy;

/// <summary>
/// The CloudNativePG kinds as far as deploy/kubernetes/postgres.yaml uses them, written from the operator's API reference
/// (postgresql.cnpg.io/v1). Read strictly, a field not here fails: add it here, from the reference, when a manifest starts
/// using it. Only the operator's own schema is complete (<c>kubectl apply --dry-run=server</c> with the operator installed).
/// </summary>
internal static class CloudNativePg
{
    public static readonly Dictionary<string, Type> Kinds = new(StringComparer.Ordinal)
    {
        ["postgresql.cnpg.io/v1/Cluster"] = typeof(Cluster),
        ["postgresql.cnpg.io/v1/Pooler"] = typeof(Pooler),
    };

    internal sealed class Cluster : KubernetesObject, IMetadata<V1ObjectMeta>
    {
        [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = null!;

        [JsonPropertyName("spec")] public ClusterSpec Spec { get; set; } = null!;

        public void Validate()
        {
            ArgumentNullException.ThrowIfNull(Spec);
            ArgumentOutOfRangeException.ThrowIfLessThan(Spec.Instances, 1);
            ArgumentNullException.ThrowIfNull(Spec.Storage?.Size);
            Assert.Contains(Spec.PrimaryUpdateStrategy ?? "unsupervised", new[] { "unsupervised", "supervised" });
        }
    }

    internal sealed class ClusterSpec
    {
        [JsonPropertyName("instances")] public int Instances { get; set; }

        [JsonPropertyName("imageName")] public string? ImageName { get; set; }

        [JsonPropertyName("primaryUpdateStrategy")] public string? PrimaryUpdateStrategy { get; set; }

        [JsonPropertyName("minSyncReplicas")] public int? MinSyncReplicas { get; set; }

        [JsonPropertyName("maxSyncReplicas")] public int? MaxSyncReplicas { get; set; }

        [JsonPropertyName("postgresql")] public PostgresConfiguration? Postgresql { get; set; }

        [JsonPropertyName("bootstrap")] public Bootstrap? Bootstrap { get; set; }

        [JsonPropertyName("storage")] public Storage? Storage { get; set; }

        [JsonPropertyName("affinity")] public Affinity? Affinity { get; set; }

        [JsonPropertyName("resources")] public V1ResourceRequirements? Resources { get; set; }
    }

    internal sealed class PostgresConfiguration
    {
        [JsonPropertyName("parameters")] public Dictionary<string, string>? Parameters { get; set; }
    }

    internal sealed class Bootstrap
    {
        [JsonPropertyName("initdb")] public InitDb? Initdb { get; set; }
    }

    internal sealed class InitDb
    {
        [JsonPropertyName("database")] public string? Database { get; set; }

        [JsonPropertyName("owner")] public string? Owner { get; set; }
    }

    internal sealed class Storage
    {
        [JsonPropertyName("size")] public string? Size { get; set; }

        [JsonPropertyName("storageClass")] public string? StorageClass { get; set; }
    }

    internal sealed class Affinity
    {
        [JsonPropertyName("enablePodAntiAffinity")] public bool? EnablePodAntiAffinity { get; set; }

        [JsonPropertyName("topologyKey")] public string? TopologyKey { get; set; }
    }

    internal sealed class Pooler : KubernetesObject, IMetadata<V1ObjectMeta>
    {
        [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = null!;

        [JsonPropertyName("spec")] public PoolerSpec Spec { get; set; } = null!;

        public void Validate()
        {
            ArgumentNullException.ThrowIfNull(Spec?.Cluster?.Name);
            Assert.Contains(Spec.Type ?? "rw", new[] { "rw", "ro" });
            Assert.Contains(Spec.Pgbouncer?.PoolMode ?? "session", new[] { "session", "transaction" });
        }
    }

    internal sealed class PoolerSpec
    {
        [JsonPropertyName("cluster")] public ClusterReference? Cluster { get; set; }

        [JsonPropertyName("instances")] public int? Instances { get; set; }

        [JsonPropertyName("type")] public string? Type { get; set; }

        [JsonPropertyName("pgbouncer")] public PgBouncer? Pgbouncer { get; set; }
    }

    internal sealed class ClusterReference
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
    }

    internal sealed class PgBouncer
    {
        [JsonPropertyName("poolMode")] public string? PoolMode { get; set; }

        [JsonPropertyName("parameters")] public Dictionary<string, string>? Parameters { get; set; }
    }
}
