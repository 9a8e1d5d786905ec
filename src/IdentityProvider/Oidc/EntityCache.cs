using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdentityProvider.Oidc;

/// <summary>
/// OpenIddict's applications and scopes, kept per node for <see cref="OidcOptions.EntityCacheDuration"/> so that a token
/// request does not look its client and scopes up again (OpenIddict's own cache lives for one request). A change made
/// through OpenIddict's managers on this node replaces the entry at once; other nodes see it when their entry expires.
/// Only found entities are kept (an app created on another node is found at once). Kept entries serve only the protocol
/// endpoints (requests OpenIddict's server handles), which read apps and scopes and never change them; each such request
/// gets its own detached copy. Every other request (the admin pages and API, which change them) reads the database, so
/// what it updates is the instance its own context tracks.
/// </summary>
internal sealed class NodeEntityCache(TimeProvider clock, IOptions<OidcOptions> options, IHttpContextAccessor http)
{
    /// <summary>Entries kept at most; past it the cache starts afresh (a node serves a bounded set of apps and scopes).</summary>
    internal const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly TimeSpan duration = options.Value.EntityCacheDuration;

    // Moves on at every removal. A read from the database keeps what it found only if no removal happened since it began,
    // so a read that overlapped a change cannot put the old version back.
    private long generation;

    public bool Enabled => duration > TimeSpan.Zero;

    /// <summary>
    /// Whether kept entries may serve this request: one to a protocol endpoint (OpenIddict's server looks at every request,
    /// and names the endpoint of those it handles).
    /// </summary>
    public bool Serves => Enabled
        && http.HttpContext?.Features.Get<OpenIddict.Server.AspNetCore.OpenIddictServerAspNetCoreFeature>()?.Transaction
            is { EndpointType: not OpenIddict.Server.OpenIddictServerEndpointType.Unknown };

    public bool TryGet<TEntity>(string key, [NotNullWhen(true)] out TEntity? snapshot) where TEntity : class
    {
        if (Serves && entries.TryGetValue(key, out var entry) && entry.Snapshot is TEntity found)
        {
            if (clock.GetUtcNow() < entry.Expires)
            {
                snapshot = found;
                return true;
            }

            entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }

        snapshot = null;
        return false;
    }

    public void Set(object snapshot, params string[] keys)
    {
        if (!Enabled)
        {
            return;
        }

        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        var entry = new Entry(snapshot, clock.GetUtcNow() + duration);
        foreach (var key in keys)
        {
            entries[key] = entry;
        }
    }

    /// <summary>The kept entity under <paramref name="key"/>, fresh or not, whatever the request.</summary>
    public TEntity? Peek<TEntity>(string key) where TEntity : class =>
        entries.TryGetValue(key, out var entry) ? entry.Snapshot as TEntity : null;

    /// <summary>
    /// The entity kept under <paramref name="key"/> (for this request: the instance its context tracks, else a detached
    /// copy), or else what <paramref name="read"/> finds in the database, kept under <paramref name="keysOf"/>'s keys
    /// unless something was removed while it read.
    /// </summary>
    public async ValueTask<TEntity?> FindAsync<TEntity>(
        ApplicationDbContext db, string key, Func<ValueTask<TEntity?>> read, Func<TEntity, string?> idOf, Func<TEntity, string[]?> keysOf)
        where TEntity : class
    {
        if (TryGet<TEntity>(key, out var kept))
        {
            return EntityCopies.ForRequest(db, kept, idOf(kept)!);
        }

        var readBegan = Interlocked.Read(ref generation);
        var found = await read();
        if (found is not null && keysOf(found) is { } keys && Interlocked.Read(ref generation) == readBegan)
        {
            Set(EntityCopies.Detached(db, found), keys);
        }

        return found;
    }

    public void Remove(params string[] keys)
    {
        Interlocked.Increment(ref generation);
        foreach (var key in keys)
        {
            entries.TryRemove(key, out _);
        }
    }

    private sealed record Entry(object Snapshot, DateTimeOffset Expires);
}

/// <summary>Copies of EF Core entities: every mapped property, from the model (so a property OpenIddict adds is kept too).</summary>
internal static class EntityCopies
{
    /// <summary>A detached copy of <paramref name="snapshot"/>, or the instance <paramref name="db"/> already tracks with its key.</summary>
    public static TEntity ForRequest<TEntity>(ApplicationDbContext db, TEntity snapshot, string id) where TEntity : class =>
        db.Set<TEntity>().Local.FindEntry(id)?.Entity ?? Detached(db, snapshot);

    public static TEntity Detached<TEntity>(ApplicationDbContext db, TEntity entity) where TEntity : class =>
        (TEntity)db.Entry(entity).CurrentValues.ToObject();
}

/// <summary>The application cache OpenIddict's application manager uses, over <see cref="NodeEntityCache"/>.</summary>
internal sealed class NodeApplicationCache(
    NodeEntityCache node,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store,
    ApplicationDbContext db) : IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication>
{
    public ValueTask AddAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        Remove(application);
        if (Keys(application) is { } keys)
        {
            node.Set(EntityCopies.Detached(db, application), keys);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken) =>
        node.FindAsync(db, ByClientId(identifier), () => store.FindByClientIdAsync(identifier, cancellationToken), a => a.Id, Keys);

    public ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        node.FindAsync(db, ById(identifier), () => store.FindByIdAsync(identifier, cancellationToken), a => a.Id, Keys);

    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreApplication> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        store.FindByPostLogoutRedirectUriAsync(uri, cancellationToken);

    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreApplication> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        store.FindByRedirectUriAsync(uri, cancellationToken);

    public ValueTask RemoveAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        Remove(application);
        return ValueTask.CompletedTask;
    }

    private void Remove(OpenIddictEntityFrameworkCoreApplication application)
    {
        // Under both its keys as they are now and as the kept copy had them (a client ID can change).
        if (application.Id is not null)
        {
            if (node.Peek<OpenIddictEntityFrameworkCoreApplication>(ById(application.Id)) is { ClientId: not null } kept)
            {
                node.Remove(ByClientId(kept.ClientId));
            }

            node.Remove(ById(application.Id));
        }

        if (application.ClientId is not null)
        {
            node.Remove(ByClientId(application.ClientId));
        }
    }

    /// <summary>The keys an app is kept under, or null when it lacks one.</summary>
    private static string[]? Keys(OpenIddictEntityFrameworkCoreApplication application) =>
        application is { Id: not null, ClientId: not null } ? [ById(application.Id), ByClientId(application.ClientId)] : null;

    private static string ById(string id) => "application:id:" + id;

    private static string ByClientId(string clientId) => "application:client_id:" + clientId;
}

/// <summary>The scope cache OpenIddict's scope manager uses, over <see cref="NodeEntityCache"/>.</summary>
internal sealed class NodeScopeCache(
    NodeEntityCache node,
    IOpenIddictScopeStore<OpenIddictEntityFrameworkCoreScope> store,
    ApplicationDbContext db) : IOpenIddictScopeCache<OpenIddictEntityFrameworkCoreScope>
{
    public ValueTask AddAsync(OpenIddictEntityFrameworkCoreScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        Remove(scope);
        if (Keys(scope) is { } keys)
        {
            node.Set(EntityCopies.Detached(db, scope), keys);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<OpenIddictEntityFrameworkCoreScope?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        node.FindAsync(db, ById(identifier), () => store.FindByIdAsync(identifier, cancellationToken), s => s.Id, Keys);

    public ValueTask<OpenIddictEntityFrameworkCoreScope?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        node.FindAsync(db, ByName(name), () => store.FindByNameAsync(name, cancellationToken), s => s.Id, Keys);

    public async IAsyncEnumerable<OpenIddictEntityFrameworkCoreScope> FindByNamesAsync(
        ImmutableArray<string> names, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (await FindByNameAsync(name, cancellationToken) is { } scope)
            {
                yield return scope;
            }
        }
    }

    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreScope> FindByResourceAsync(string resource, CancellationToken cancellationToken) =>
        store.FindByResourceAsync(resource, cancellationToken);

    public ValueTask RemoveAsync(OpenIddictEntityFrameworkCoreScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        Remove(scope);
        return ValueTask.CompletedTask;
    }

    private void Remove(OpenIddictEntityFrameworkCoreScope scope)
    {
        if (scope.Id is not null)
        {
            if (node.Peek<OpenIddictEntityFrameworkCoreScope>(ById(scope.Id)) is { Name: not null } kept)
            {
                node.Remove(ByName(kept.Name));
            }

            node.Remove(ById(scope.Id));
        }

        if (scope.Name is not null)
        {
            node.Remove(ByName(scope.Name));
        }
    }

    /// <summary>The keys a scope is kept under, or null when it lacks one.</summary>
    private static string[]? Keys(OpenIddictEntityFrameworkCoreScope scope) =>
        scope is { Id: not null, Name: not null } ? [ById(scope.Id), ByName(scope.Name)] : null;

    private static string ById(string id) => "scope:id:" + id;

    private static string ByName(string name) => "scope:name:" + name;
}
