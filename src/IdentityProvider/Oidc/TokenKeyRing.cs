using System.Collections.Immutable;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace IdentityProvider.Oidc;

/// <summary>
/// The token keys of the key folders (<see cref="OidcKeyOptions.SigningKeysDirectory"/>,
/// <see cref="OidcKeyOptions.EncryptionKeysDirectory"/>), read again every
/// <see cref="OidcKeyOptions.KeysDirectoryPollInterval"/> while the server runs.
/// <list type="bullet">
/// <item>Every key in a folder is published (JWKS) and verifies (or decrypts) tokens.</item>
/// <item>The first node to see a key records when (<see cref="TokenKeyPublication"/>); the newest key published for
/// <see cref="OidcKeyOptions.RotationLeadTime"/> signs (or encrypts). When none is that old (the first start, or every key
/// replaced at once) the newest key does. Every node reads the same rows, so every node makes the same choice, within
/// one poll interval.</item>
/// <item>A key whose file is gone leaves the key set and no longer verifies.</item>
/// </list>
/// A change reaches OpenIddict the way its options are meant to change: this ring is a change-token source for the
/// server's and the validation's options, whose configure step (<see cref="ConfigureServer"/>) adds the ring's current
/// keys; OpenIddict reads them through <see cref="IOptionsMonitor{TOptions}"/>. Requests under way keep the options they
/// started with. Keys that leave are not disposed: a request may still hold them; the collector frees them.
/// </summary>
internal sealed partial class TokenKeyRing(
    IOptions<OidcOptions> options,
    IHostEnvironment environment,
    IServiceScopeFactory scopes,
    ProtocolDocuments documents,
    TimeProvider time,
    ILogger<TokenKeyRing> logger) : IDisposable
{
    private readonly SemaphoreSlim refreshing = new(1, 1);
    private readonly OidcKeyOptions keyOptions = options.Value.Keys;
    private KeySet signing = KeySet.Empty;
    private KeySet encryption = KeySet.Empty;
    private CancellationTokenSource serverChanged = new();
    private CancellationTokenSource validationChanged = new();
    private bool loaded;

    public bool HasSigningFolder => !string.IsNullOrWhiteSpace(keyOptions.SigningKeysDirectory);

    public bool HasEncryptionFolder => !string.IsNullOrWhiteSpace(keyOptions.EncryptionKeysDirectory);

    /// <summary>The signing keys now, the one that signs first.</summary>
    public IReadOnlyList<SecurityKey> SigningKeys => Volatile.Read(ref signing).Keys;

    /// <summary>The encryption keys now, the one that encrypts first.</summary>
    public IReadOnlyList<SecurityKey> EncryptionKeys => Volatile.Read(ref encryption).Keys;

    /// <summary>
    /// Reads the folders and the publication records and applies any change. At start (<paramref name="startup"/>) a
    /// folder without a usable key, or an unreachable database, is an error; later the ring keeps what it has and says why.
    /// </summary>
    public async Task RefreshAsync(bool startup, CancellationToken cancellationToken)
    {
        await refreshing.WaitAsync(cancellationToken);
        try
        {
            var changed = false;
            if (HasSigningFolder)
            {
                var next = await NextAsync(signing, keyOptions.SigningKeysDirectory!, TokenKeyPublication.Signing, startup, cancellationToken);
                changed |= !next.SameAs(signing);
                Volatile.Write(ref signing, next);
            }

            if (HasEncryptionFolder)
            {
                var next = await NextAsync(encryption, keyOptions.EncryptionKeysDirectory!, TokenKeyPublication.Encryption, startup, cancellationToken);
                changed |= !next.SameAs(encryption);
                Volatile.Write(ref encryption, next);
            }

            Volatile.Write(ref loaded, true);
            if (changed)
            {
                // The server's options first: the validation's configure step copies the server's keys.
                Signal(ref serverChanged);
                Signal(ref validationChanged);
                documents.Clear();
            }
        }
        finally
        {
            refreshing.Release();
        }
    }

    public void Dispose()
    {
        refreshing.Dispose();
        serverChanged.Dispose();
        validationChanged.Dispose();
    }

    private static void Signal(ref CancellationTokenSource source)
    {
        // The old source is cancelled, not disposed: OptionsMonitor may still be registering on its token.
        var previous = Interlocked.Exchange(ref source, new CancellationTokenSource());
        previous.Cancel();
    }

    /// <summary>Adds the ring's keys to OpenIddict's server options; runs each time those options are rebuilt.</summary>
    private void ConfigureServer(OpenIddictServerOptions server)
    {
        if (!Volatile.Read(ref loaded))
        {
            // The hosted service loads the ring before the server takes requests; this covers anything that reads the
            // server's options earlier.
            RefreshAsync(startup: true, CancellationToken.None).GetAwaiter().GetResult();
        }

        // OpenIddict signs with the first signing credentials and encrypts with the first encryption credentials (its
        // post-configure sort keeps the order of keys that are not certificates, and folder keys never are).
        foreach (var key in SigningKeys)
        {
            server.SigningCredentials.Add(new SigningCredentials(key, key is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256));
        }

        foreach (var key in EncryptionKeys)
        {
            server.EncryptionCredentials.Add(new EncryptingCredentials(key, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        }
    }

    private async Task<KeySet> NextAsync(KeySet current, string folder, string use, bool startup, CancellationToken cancellationToken)
    {
        var files = ReadFolder(current, Path.GetFullPath(folder, environment.ContentRootPath), use, startup);
        if (files.Count == 0)
        {
            if (startup)
            {
                throw new InvalidOperationException(
                    $"The key folder '{folder}' holds no usable {(use == TokenKeyPublication.Signing ? "signing" : "encryption")} key (*.pem).");
            }

            LogFolderEmpty(logger, folder);
            return current;
        }

        Dictionary<string, TokenKeyPublication> records;
        try
        {
            records = await PublishAsync(files, use, cancellationToken);
        }
        catch (Exception error) when (!startup && error is not OperationCanceledException)
        {
            LogRefreshFailed(logger, error);
            return current;
        }

        var newestFirst = NewestFirst(files.Keys.ToDictionary(kid => kid, kid => records[kid].PublishedAt, StringComparer.Ordinal));
        var active = Active(newestFirst, keyOptions.RotationLeadTime, time.GetUtcNow());
        var ordered = newestFirst.Select(key => key.KeyId).Where(kid => kid != active).Prepend(active).Select(kid => files[kid]).ToImmutableArray();
        var next = new KeySet(ordered);

        await RecordChangesAsync(current, next, records[active], use, cancellationToken);
        return next;
    }

    /// <summary>Key ids with their publication times, newest first (ties by key id, the same order on every node).</summary>
    internal static List<(string KeyId, DateTimeOffset PublishedAt)> NewestFirst(IReadOnlyDictionary<string, DateTimeOffset> published) =>
        [.. published.Select(p => (p.Key, p.Value))
            .OrderByDescending(p => p.Value)
            .ThenByDescending(p => p.Key, StringComparer.Ordinal)];

    /// <summary>
    /// The key that signs (encrypts): the newest one published at least <paramref name="lead"/> ago. When none is (the first
    /// lead time after the first start, or every file replaced at once), the key published first, the same on every node:
    /// a key added in that window still waits for its own lead time.
    /// </summary>
    internal static string Active(List<(string KeyId, DateTimeOffset PublishedAt)> newestFirst, TimeSpan lead, DateTimeOffset now) =>
        newestFirst.FirstOrDefault(key => key.PublishedAt + lead <= now).KeyId ?? newestFirst[^1].KeyId;

    /// <summary>The folder's keys by key id; keys already held are kept as they are (not read into a new object).</summary>
    private Dictionary<string, SecurityKey> ReadFolder(KeySet current, string folder, string use, bool startup)
    {
        var keys = new Dictionary<string, SecurityKey>(StringComparer.Ordinal);
        if (!Directory.Exists(folder))
        {
            if (startup)
            {
                throw new InvalidOperationException($"The key folder '{folder}' does not exist.");
            }

            return keys;
        }

        // Kubernetes puts a Secret's files behind "..data" links next to hidden timestamped folders: only the visible
        // *.pem entries count.
        foreach (var path in Directory.EnumerateFiles(folder, "*.pem").Order(StringComparer.Ordinal))
        {
            AsymmetricSecurityKey key;
            try
            {
                key = SigningKeyLoader.ReadFolderKey(path, use == TokenKeyPublication.Encryption);
            }
            catch (Exception error) when (error is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                if (startup)
                {
                    throw new InvalidOperationException($"The key file '{path}': {error.Message}", error);
                }

                LogBadFile(logger, Path.GetFileName(path), error.Message);
                continue;
            }

            if (current.Find(key.KeyId) is { } held)
            {
                keys[key.KeyId] = held;
                Dispose(key);
            }
            else
            {
                keys[key.KeyId] = key;
            }
        }

        return keys;
    }

    /// <summary>Frees a key read again from its file when the ring already holds it.</summary>
    private static void Dispose(AsymmetricSecurityKey key)
    {
        switch (key)
        {
            case RsaSecurityKey { Rsa: { } rsa }:
                rsa.Dispose();
                break;
            case ECDsaSecurityKey { ECDsa: { } ecdsa }:
                ecdsa.Dispose();
                break;
        }
    }

    /// <summary>The publication records of these keys; a key no node has recorded yet is recorded now.</summary>
    private async Task<Dictionary<string, TokenKeyPublication>> PublishAsync(Dictionary<string, SecurityKey> files, string use, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var kids = files.Keys.ToList();
        var records = await db.Set<TokenKeyPublication>().AsNoTracking().Where(k => kids.Contains(k.KeyId)).ToDictionaryAsync(k => k.KeyId, StringComparer.Ordinal, cancellationToken);
        var missing = false;
        var publishedAt = db.Model.FindEntityType(typeof(TokenKeyPublication))!.FindProperty(nameof(TokenKeyPublication.PublishedAt))!;
        foreach (var kid in kids.Where(kid => !records.ContainsKey(kid)))
        {
            missing = true;
            // Nodes that see the key at the same time all try; the first insert wins and every node reads its time.
            // Raw SQL gets no value conversion: the SQLite store keeps times in binary form, PostgreSQL as timestamptz.
            var at = publishedAt.GetTypeMapping().Converter?.ConvertToProvider(time.GetUtcNow()) ?? time.GetUtcNow();
            var inserted = await db.Database.ExecuteSqlAsync(
                $"INSERT INTO \"TokenKeyPublications\" (\"KeyId\", \"Use\", \"PublishedAt\") VALUES ({kid}, {use}, {at}) ON CONFLICT DO NOTHING", // TokenKeyPublicationConfiguration's table
                cancellationToken);
            if (inserted == 1)
            {
                LogPublished(logger, use, kid);
                scope.ServiceProvider.GetRequiredService<AuditLog>().Add(AuditEventTypes.TokenKeyPublished, null, AuditLog.Success, $"{use} {kid}");
            }
        }

        if (missing)
        {
            await db.SaveChangesAsync(cancellationToken);
            records = await db.Set<TokenKeyPublication>().AsNoTracking().Where(k => kids.Contains(k.KeyId)).ToDictionaryAsync(k => k.KeyId, StringComparer.Ordinal, cancellationToken);
        }

        return records;
    }

    /// <summary>Logs this node's changes, and records (and audits) the cluster's first activation and retirement of each key.</summary>
    private async Task RecordChangesAsync(KeySet current, KeySet next, TokenKeyPublication active, string use, CancellationToken cancellationToken)
    {
        var activeKid = next.Keys[0].KeyId!;
        var retired = current.Keys.Select(k => k.KeyId!).Where(kid => next.Find(kid) is null).ToList();
        if (current.Keys.Count > 0 && current.Keys[0].KeyId == activeKid && retired.Count == 0 && active.ActivatedAt is not null)
        {
            return;
        }

        if (current.Keys.Count == 0 || current.Keys[0].KeyId != activeKid)
        {
            LogActive(logger, use, activeKid);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        var now = time.GetUtcNow();
        try
        {
            if (active.ActivatedAt is null
                && await db.Set<TokenKeyPublication>().Where(k => k.KeyId == activeKid && k.ActivatedAt == null)
                    .ExecuteUpdateAsync(k => k.SetProperty(p => p.ActivatedAt, now), cancellationToken) == 1)
            {
                audit.Add(AuditEventTypes.TokenKeyActivated, null, AuditLog.Success, $"{use} {activeKid}");
            }

            foreach (var kid in retired)
            {
                LogRetired(logger, use, kid);
                if (await db.Set<TokenKeyPublication>().Where(k => k.KeyId == kid && k.RetiredAt == null)
                        .ExecuteUpdateAsync(k => k.SetProperty(p => p.RetiredAt, now), cancellationToken) == 1)
                {
                    audit.Add(AuditEventTypes.TokenKeyRetired, null, AuditLog.Success, $"{use} {kid}");
                }
            }

            await audit.SaveAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // The keys are applied all the same: the records are the cluster's history, not what decides.
            LogRefreshFailed(logger, error);
        }
    }

    /// <summary>The keys of one use, the one that signs (or encrypts) first.</summary>
    private sealed record KeySet(ImmutableArray<SecurityKey> Items)
    {
        public static readonly KeySet Empty = new(ImmutableArray<SecurityKey>.Empty);

        public IReadOnlyList<SecurityKey> Keys => Items;

        public SecurityKey? Find(string kid) => Items.FirstOrDefault(k => k.KeyId == kid);

        public bool SameAs(KeySet other) => Items.Select(k => k.KeyId).SequenceEqual(other.Items.Select(k => k.KeyId), StringComparer.Ordinal);
    }

    /// <summary>Rebuilds OpenIddict's server options, with the ring's keys, when the ring changes.</summary>
    internal sealed class ServerOptionsSource(TokenKeyRing ring) : IOptionsChangeTokenSource<OpenIddictServerOptions>, IConfigureOptions<OpenIddictServerOptions>
    {
        public string Name => Options.DefaultName;

        public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref ring.serverChanged).Token);

        public void Configure(OpenIddictServerOptions options) => ring.ConfigureServer(options);
    }

    /// <summary>
    /// Rebuilds OpenIddict's validation options (the admin API's token checks, which copy the server's keys) after the
    /// server's.
    /// </summary>
    internal sealed class ValidationOptionsSource(TokenKeyRing ring) : IOptionsChangeTokenSource<OpenIddictValidationOptions>
    {
        public string Name => Options.DefaultName;

        public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref ring.validationChanged).Token);
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Token key published: {Use} {KeyId}.")]
    private static partial void LogPublished(ILogger logger, string use, string keyId);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Token key in use on this node: {Use} {KeyId}; the other keys of the folder stay published.")]
    private static partial void LogActive(ILogger logger, string use, string keyId);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Token key retired (its file is gone): {Use} {KeyId}.")]
    private static partial void LogRetired(ILogger logger, string use, string keyId);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "The key file {File} was skipped: {Reason}")]
    private static partial void LogBadFile(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Warning, Message = "The key folder {Folder} holds no usable key; the keys in use are kept.")]
    private static partial void LogFolderEmpty(ILogger logger, string folder);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Warning, Message = "Reading the token key records failed; the keys in use are kept until the next poll.")]
    internal static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

/// <summary>Loads the key ring before the server takes requests and reads the key folders again on an interval.</summary>
internal sealed partial class TokenKeyRotationService(TokenKeyRing ring, IOptions<OidcOptions> options, TimeProvider time, ILogger<TokenKeyRotationService> logger) : BackgroundService
{
    /// <summary>How long a start waits for the database that records the keys (inside a Kubernetes start probe's minute).</summary>
    internal static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(50);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // A node that starts while the database fails over waits for it rather than crash-looping into a back-off.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await ring.RefreshAsync(startup: true, cancellationToken);
                break;
            }
            catch (Exception error) when (DatabaseFailure(error) is { } failure && waited.Elapsed + pause < StartPatience)
            {
                LogWaitingForDatabase(logger, failure.Message);
                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }

        await base.StartAsync(cancellationToken);
    }

    private static Exception? DatabaseFailure(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException or TimeoutException)
            {
                return e;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 2116, Level = LogLevel.Warning, Message = "Waiting for the database to read the token key records: {Reason}")]
    private static partial void LogWaitingForDatabase(ILogger logger, string reason);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Keys.KeysDirectoryPollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ring.RefreshAsync(startup: false, stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // A folder that vanished mid-read, say: the keys in use stay, and the next tick tries again.
                TokenKeyRing.LogRefreshFailed(logger, error);
            }
        }
    }
}
