using System.Diagnostics;
using IdentityProvider.IntegrationTests.Messaging;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace IdentityProvider.IntegrationTests.Telemetry;

/// <summary>
/// The tests of this collection read the process's meters and activity sources, which every server in the process
/// writes to: they run alone, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideTelemetry
{
    public const string Name = "Process-wide telemetry";
}

/// <summary>
/// A server with email through a real SMTP server, self-service for everyone, and the in-memory exporters added to its
/// OpenTelemetry setup the way an operator's exporter would be: metrics by a reader the tests flush, spans as they end.
/// </summary>
public sealed class TelemetryFixture : TestServerFixture
{
    private readonly List<MetricSnapshot> exported = [];

    /// <summary>Every span that ended, from every source the server listens to.</summary>
    public List<Activity> Spans { get; } = [];

    /// <summary>Collects every instrument now and returns the cumulative values of the application's meter and the others.</summary>
    public IReadOnlyList<MetricSnapshot> Collect()
    {
        lock (exported)
        {
            exported.Clear();
        }

        Assert.True(Idp.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));
        lock (exported)
        {
            return [.. exported];
        }
    }

    /// <summary>The sum of a counter's points whose attributes include all of <paramref name="attributes"/>.</summary>
    public long Count(string instrument, params (string Key, string Value)[] attributes) =>
        Collect().Where(m => m.Name == instrument)
            .SelectMany(m => m.MetricPoints)
            .Where(point => attributes.All(wanted => Tags(point).Any(tag => tag.Key == wanted.Key && Equals(tag.Value?.ToString(), wanted.Value))))
            .Sum(point => point.GetSumLong());

    /// <summary>The spans so far (a copy: the exporter adds to the list from the server's threads).</summary>
    public List<Activity> SpansSoFar()
    {
        lock (Spans)
        {
            return [.. Spans];
        }
    }

    public static List<KeyValuePair<string, object?>> Tags(MetricPoint point)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (var tag in point.Tags)
        {
            tags.Add(tag);
        }

        return tags;
    }

    protected override void Configure(TestServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        MessagingFixture.Mail(server);
        server.Settings["SelfService:Scope"] = "All";
        server.Settings["SelfService:Methods:0"] = "AlternateEmail";
        server.Settings["SelfService:Methods:1"] = "AuthenticatorApp";
        server.Settings["Messaging:MetricsInterval"] = "00:00:00.200";
        server.Settings["Telemetry:Enabled"] = "true"; // no OTLP endpoint here: the readers below are in process
        server.Host = builder =>
        {
            builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddReader(
                new BaseExportingMetricReader(new SnapshotExporter(exported))
                {
                    TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
                }));
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(new LockedList(Spans)));
        };
    }

    /// <summary>Copies each exported metric (the SDK reuses its objects between collections).</summary>
    private sealed class SnapshotExporter(List<MetricSnapshot> into) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            lock (into)
            {
                foreach (var metric in batch)
                {
                    into.Add(new MetricSnapshot(metric));
                }
            }

            return ExportResult.Success;
        }
    }

    /// <summary>A list the exporter adds to under the lock the tests read with.</summary>
    private sealed class LockedList(List<Activity> inner) : ICollection<Activity>
    {
        public int Count => inner.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item)
        {
            lock (inner)
            {
                inner.Add(item);
            }
        }

        public void Clear()
        {
            lock (inner)
            {
                inner.Clear();
            }
        }

        public bool Contains(Activity item) => inner.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => inner.CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => inner.Remove(item);

        public IEnumerator<Activity> GetEnumerator() => inner.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
