using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IdentityProvider.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> (or <c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c>) does not give one.</summary>
    public const string DefaultServiceName = "identity-provider";

    /// <summary>
    /// <c>Telemetry:Enabled</c>: run the OpenTelemetry SDK (traces, metrics, their instrumentation) even with no OTLP
    /// endpoint, for a reader added in process. Default: on exactly when an <c>OTEL_EXPORTER_OTLP_*ENDPOINT</c> is set.
    /// </summary>
    public const string EnabledKey = "Telemetry:Enabled";

    private static readonly string[] Signals = ["TRACES", "METRICS", "LOGS"];

    /// <summary>
    /// Traces (ASP.NET Core, HttpClient, Npgsql, the application's own source), metrics (the same, the .NET runtime and
    /// <see cref="IdentityProviderMetrics"/>) and console logs: JSON with scopes (trace and span ids) in Production, the
    /// simple formatter elsewhere, unless <c>Logging:Console:FormatterName</c> says otherwise. The OTLP exporter is added
    /// only for the signals that have an endpoint (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or
    /// <c>OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT</c>); the SDK reads the other <c>OTEL_*</c> variables itself.
    /// </summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IdentityProviderMetrics>();
        AddConsoleLogs(builder);

        var configuration = builder.Configuration;
        var common = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var signal = Signals.ToDictionary(s => s, s => configuration[$"OTEL_EXPORTER_OTLP_{s}_ENDPOINT"] is { Length: > 0 } value ? new Uri(value) : null);
        var version = typeof(TelemetryExtensions).Assembly.GetName().Version?.ToString();

        // Spans and measurements that no exporter reads cost every request work for nothing (a span per request and per
        // database command): the SDK runs only when an endpoint is set, or when Telemetry:Enabled says so (an in-process
        // reader, a debugger's listener).
        var exporting = common || signal.Values.Any(endpoint => endpoint is not null);
        if (!configuration.GetValue(EnabledKey, exporting))
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            // The defaults first, then the environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), which wins.
            .ConfigureResource(resource => resource.Clear()
                .AddService(DefaultServiceName, serviceVersion: version)
                .AddTelemetrySdk()
                .AddEnvironmentVariableDetector())
            .WithTracing(tracing =>
            {
                tracing.AddSource(IdentityProviderMetrics.MeterName)
                    .AddAspNetCoreInstrumentation(options =>
                        // Probes every few seconds are noise in a trace store.
                        options.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (!common && signal["TRACES"] is { } endpoint)
                {
                    tracing.AddOtlpExporter(options => Signal(options, endpoint, configuration["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]));
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(IdentityProviderMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (!common && signal["METRICS"] is { } endpoint)
                {
                    metrics.AddOtlpExporter(options => Signal(options, endpoint, configuration["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"]));
                }
            });

        if (common)
        {
            // Every signal to one collector, as the OTEL_EXPORTER_OTLP_* variables say (signal-specific ones win).
            telemetry.WithLogging().UseOtlpExporter();
        }
        else if (signal["LOGS"] is { } logs)
        {
            telemetry.WithLogging(logging => logging.AddOtlpExporter(options => Signal(options, logs, configuration["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"])));
        }

        return builder;
    }

    /// <summary>
    /// JSON lines with scopes in Production (the request's scope carries <c>TraceId</c> and <c>SpanId</c>), the simple
    /// formatter elsewhere. <c>Logging:Console:FormatterName</c>, when set, wins; the formatter's own section
    /// (<c>Logging:Console:FormatterOptions</c>) still applies.
    /// </summary>
    private static void AddConsoleLogs(WebApplicationBuilder builder)
    {
        var formatter = builder.Configuration["Logging:Console:FormatterName"];
        if (!string.IsNullOrEmpty(formatter))
        {
            return;
        }

        if (builder.Environment.IsProduction())
        {
            builder.Logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole();
        }
    }

    /// <summary>A signal-specific endpoint is used as given (the spec's rule), with its protocol if one is set.</summary>
    private static void Signal(OtlpExporterOptions options, Uri endpoint, string? protocol)
    {
        options.Endpoint = endpoint;
        if (protocol is not null)
        {
            options.Protocol = protocol.Trim().ToUpperInvariant() switch
            {
                "GRPC" => OtlpExportProtocol.Grpc,
                "HTTP/PROTOBUF" => OtlpExportProtocol.HttpProtobuf,
                _ => options.Protocol,
            };
        }
    }
}
