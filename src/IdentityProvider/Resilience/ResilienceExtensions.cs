using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace IdentityProvider.Resilience;

internal static class ResilienceExtensions
{
    /// <summary>
    /// Limits and the answers for refused or unservable requests: bad input is 400 (a page or a problem), a conflict 409,
    /// overload and database outages 503 with <c>Retry-After</c>. See the module's README.
    /// </summary>
    public static WebApplicationBuilder AddResilience(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<RequestAnswers>();

        // Minimal APIs throw what they cannot bind (FailureAnswers turns it into a problem that says what was wrong)
        // instead of answering an empty 400; JSON bodies are read strictly.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(options => StrictJson.Apply(options.SerializerOptions));

        // After MVC added its own binders, so that every one of them is watched.
        builder.Services.PostConfigure<MvcOptions>(options =>
        {
            PageInput.Watch(options.ModelBinderProviders);
            options.Filters.Add(new PageInput.Filter());
        });

        // A local return URL may hold any character (/café): Kestrel accepts it in Location, and EscapeLocation sends it
        // percent-encoded (a header is ASCII on the wire).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ResponseHeaderEncodingSelector =
            name => string.Equals(name, HeaderNames.Location, StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8 : null);
        return builder;
    }

    /// <summary>Before routing: failures answered by kind, problems for the API's empty error answers, and the input guard.</summary>
    public static WebApplication UseResilience(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(EscapeLocation, context.Response);
            return next(context);
        });
        app.UseMiddleware<FailureAnswers>();
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Admin.AdminApi.Prefix, StringComparison.OrdinalIgnoreCase), api => api.UseStatusCodePages());
        app.UseMiddleware<InputGuard>();
        return app;
    }

    /// <summary>A redirect to a URL with characters outside ASCII goes out with them percent-encoded as UTF-8.</summary>
    private static Task EscapeLocation(object state)
    {
        var response = (HttpResponse)state;
        var location = response.Headers.Location.ToString();
        if (!Ascii.IsValid(location))
        {
            var escaped = new StringBuilder(location.Length * 2);
            Span<byte> bytes = stackalloc byte[4];
            foreach (var rune in location.EnumerateRunes())
            {
                if (rune.IsAscii)
                {
                    escaped.Append((char)rune.Value);
                    continue;
                }

                foreach (var b in bytes[..rune.EncodeToUtf8(bytes)])
                {
                    escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            response.Headers.Location = escaped.ToString();
        }

        return Task.CompletedTask;
    }

    /// <summary>After routing, before authorization: methods a page does not answer get 405 with <c>Allow</c>.</summary>
    public static WebApplication UsePageMethods(this WebApplication app)
    {
        app.UseMiddleware<PageMethods>();
        return app;
    }
}
