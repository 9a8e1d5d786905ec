using System.Net;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;

namespace IdentityProvider.Hosting;

internal static class HostingExtensions
{
    /// <summary>Organisation settings, forwarded headers, HSTS, cookie security, problem details and health checks.</summary>
    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OrganizationOptions>().BindConfiguration(OrganizationOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Organization:TimeZone is not a time zone this machine knows (use an IANA id such as Europe/Paris).")
            .ValidateOnStart();
        builder.Services.AddOptions<HostingOptions>().BindConfiguration(HostingOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();

        var hosting = builder.Configuration.GetSection(HostingOptions.SectionName).Get<HostingOptions>() ?? new HostingOptions();
        builder.Services.Configure<ForwardedHeadersOptions>(options => TrustConfiguredProxies(options, hosting));
        builder.Services.AddHsts(options =>
        {
            options.MaxAge = hosting.Hsts.MaxAge;
            options.IncludeSubDomains = hosting.Hsts.IncludeSubDomains;
            options.Preload = hosting.Hsts.Preload;
        });
        builder.AddCookieSecurity(hosting);
        return builder;
    }

    /// <summary>The middleware that wraps every request, in order.</summary>
    public static WebApplication UseHosting(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>($"{HostingOptions.SectionName}:{nameof(HostingOptions.UseForwardedHeaders)}"))
        {
            app.UseForwardedHeaders();
        }

        if (app.Environment.IsDevelopment())
        {
            app.UseDeveloperExceptionPage();
        }
        else
        {
            app.UseExceptionHandler("/Error");
            app.UseHsts();
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseCookiePolicy();
        app.UseStatusCodePagesWithReExecute("/Error", "?status={0}");
        app.UseStaticFiles(new StaticFileOptions
        {
            // Public files: cacheable, revalidated by their ETag. Everything else is no-store (SecurityHeadersMiddleware).
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }

    /// <summary>
    /// Forwarded headers count only from the configured proxies; with none configured, only from loopback (a proxy on
    /// the same machine). One proxy hop is read.
    /// </summary>
    private static void TrustConfiguredProxies(ForwardedHeadersOptions options, HostingOptions hosting)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        if (hosting.KnownProxies.Count == 0 && hosting.KnownNetworks.Count == 0)
        {
            return;
        }

        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in hosting.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in hosting.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
    }
}
