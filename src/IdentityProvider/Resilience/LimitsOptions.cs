using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Resilience;

/// <summary>
/// How much work one node takes on at once, and what it tells callers when it cannot. Section <c>Limits</c>.
/// Password hashes are the expensive part of sign-in, password changes and security answers (Argon2id: about 20 ms
/// of one core and 19 MiB each), so each node runs only so many at once and queues a few more briefly; past that
/// the request is answered 503 with <c>Retry-After</c>, as is every request that meets a database outage.
/// </summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Password hashes one node computes at once. Empty (the default): the number of processor cores.</summary>
    [Range(1, 1024)]
    public int? PasswordHashes { get; set; }

    /// <summary>Requests that may wait for a hash slot on one node; one more is answered 503 at once. Default 128.</summary>
    [Range(0, 100_000)]
    public int PasswordHashQueue { get; set; } = 128;

    /// <summary>How long a request waits for a hash slot before it is answered 503. Default 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan PasswordHashWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> sent with a 503 (busy, or the database unreachable), in seconds. Default 5.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>The hash slots this node uses: <see cref="PasswordHashes"/>, or one per processor core.</summary>
    public int HashSlots => PasswordHashes ?? Environment.ProcessorCount;
}
