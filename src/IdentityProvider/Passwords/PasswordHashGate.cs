using IdentityProvider.Resilience;
using IdentityProvider.Telemetry;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Passwords;

/// <summary>
/// Bounds the password hashes one node computes at once (<c>Limits:PasswordHashes</c>, one per core by default): a hash
/// is CPU-bound, so more at once only makes each slower and holds more memory. A request waits for a slot at most
/// <c>Limits:PasswordHashWait</c>, with at most <c>Limits:PasswordHashQueue</c> others; otherwise it fails with
/// <see cref="ServerBusyException"/> (answered 503 with <c>Retry-After</c>) before anything was changed.
/// <para>The user manager takes a slot asynchronously around each password operation (<see cref="RunAsync{T}"/>), and
/// the hasher takes one itself (waiting on its thread) only when called outside such an operation, so one request never
/// holds two slots.</para>
/// <para>Metrics: <c>identity_provider.password_hash.queued</c> (waiting for a slot) and <c>.active</c> (holding one);
/// refusals count as the <c>password_hash</c> throttle.</para>
/// </summary>
public sealed class PasswordHashGate : IDisposable
{
    private readonly SemaphoreSlim slots;
    private readonly int queueLimit;
    private readonly TimeSpan wait;
    private readonly AsyncLocal<bool> holding = new();
    private readonly IdentityProviderMetrics? metrics;
    private readonly int slotCount;
    private int queued;

    public PasswordHashGate(IOptions<LimitsOptions> options, IdentityProviderMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limits = options.Value;
        slotCount = limits.HashSlots;
        slots = new SemaphoreSlim(limits.HashSlots, limits.HashSlots);
        queueLimit = limits.PasswordHashQueue;
        wait = limits.PasswordHashWait;
        this.metrics = metrics;
        if (metrics is not null)
        {
            metrics.Meter.CreateObservableUpDownCounter("identity_provider.password_hash.queued", () => Volatile.Read(ref queued), "{request}",
                "Password checks waiting for a hash slot on this node.");
            metrics.Meter.CreateObservableUpDownCounter("identity_provider.password_hash.active", () => slotCount - slots.CurrentCount, "{hash}",
                "Password hashes being computed on this node.");
        }
    }

    /// <summary>Runs <paramref name="work"/> holding a slot; every hash inside it uses that slot.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (holding.Value)
        {
            return await work();
        }

        if (!slots.Wait(0, CancellationToken.None))
        {
            EnterQueue();
            try
            {
                if (!await slots.WaitAsync(wait, cancellationToken))
                {
                    throw Busy();
                }
            }
            finally
            {
                Interlocked.Decrement(ref queued);
            }
        }

        try
        {
            holding.Value = true;
            return await work();
        }
        finally
        {
            holding.Value = false;
            slots.Release();
        }
    }

    /// <summary>Computes one hash, taking a slot unless this request already holds one.</summary>
    public T Run<T>(Func<T> hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (holding.Value)
        {
            return hash();
        }

        if (!slots.Wait(0))
        {
            EnterQueue();
            try
            {
                if (!slots.Wait(wait))
                {
                    throw Busy();
                }
            }
            finally
            {
                Interlocked.Decrement(ref queued);
            }
        }

        try
        {
            return hash();
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose() => slots.Dispose();

    private void EnterQueue()
    {
        if (Interlocked.Increment(ref queued) > queueLimit)
        {
            Interlocked.Decrement(ref queued);
            throw Busy();
        }
    }

    private ServerBusyException Busy()
    {
        metrics?.Throttle("password_hash");
        return new("Too many password checks are waiting on this server; try again in a few seconds.");
    }
}
