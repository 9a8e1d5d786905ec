using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.DataAnnotations;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Localization;

/// <summary>Which text resource each module's models read their display names and validation messages from.</summary>
public sealed class TextResourceOptions
{
    internal List<Type> Resources { get; } = [typeof(SharedText)];

    /// <summary>The text resource of the namespace nearest to <paramref name="type"/>'s; <see cref="SharedText"/> when none is nearer.</summary>
    public Type For(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var space = type.Namespace ?? string.Empty;
        return Resources
            .Where(r => r.Namespace is { } own && (space == own || space.StartsWith(own + ".", StringComparison.Ordinal)))
            .OrderByDescending(r => r.Namespace!.Length)
            .FirstOrDefault() ?? typeof(SharedText);
    }
}

internal static class LocalizationExtensions
{
    /// <summary>
    /// Request localisation (OpenID Connect <c>ui_locales</c>, then the picker's cookie, then <c>Accept-Language</c>),
    /// localised views, validation and model binding messages, local times and the field error helper.
    /// </summary>
    public static WebApplicationBuilder AddLanguages(this WebApplicationBuilder builder)
    {
        builder.Services.AddLocalization();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<LocalTimes>();
        builder.Services.Configure<RequestLocalizationOptions>(options =>
        {
            var cultures = Languages.Cultures();
            options.DefaultRequestCulture = new RequestCulture(Languages.Default);
            options.SupportedCultures = cultures;
            options.SupportedUICultures = cultures;
            options.FallBackToParentCultures = true;
            options.FallBackToParentUICultures = true;
            options.ApplyCurrentCultureToResponseHeaders = true;
            options.RequestCultureProviders =
            [
                new UiLocalesRequestCultureProvider(),
                new CookieRequestCultureProvider { CookieName = Languages.CookieName },
                new AcceptLanguageHeaderRequestCultureProvider { MaximumAcceptLanguageHeaderValuesToTry = 5 },
            ];
        });

        builder.Services.AddRazorPages()
            .AddViewLocalization()
            .AddDataAnnotationsLocalization();
        builder.Services.AddOptions<MvcDataAnnotationsLocalizationOptions>()
            .Configure<IOptions<TextResourceOptions>>((options, texts) =>
                options.DataAnnotationLocalizerProvider = (type, factory) => factory.Create(texts.Value.For(type)));
        builder.Services.AddOptions<MvcOptions>()
            .Configure<IStringLocalizerFactory>((options, factory) => LocalizeBindingMessages(options, factory.Create(typeof(SharedText))));
        return builder;
    }

    /// <summary>Lets a module's models read their texts from <typeparamref name="TText"/> (see <see cref="TextResourceOptions.For"/>).</summary>
    public static IServiceCollection AddTexts<TText>(this IServiceCollection services) =>
        services.Configure<TextResourceOptions>(options => options.Resources.Add(typeof(TText)));

    /// <summary>Picks each request's language; a language an application asked for is kept in the cookie for the pages after.</summary>
    public static WebApplication UseLanguages(this WebApplication app)
    {
        app.UseRequestLocalization();
        app.Use((context, next) =>
        {
            var picked = context.Features.Get<IRequestCultureFeature>();
            if (picked?.Provider is UiLocalesRequestCultureProvider && HttpMethods.IsGet(context.Request.Method))
            {
                var value = CookieRequestCultureProvider.MakeCookieValue(picked.RequestCulture);
                if (context.Request.Cookies[Languages.CookieName] != value)
                {
                    WriteCookie(context, picked.RequestCulture);
                }
            }

            return next(context);
        });
        return app;
    }

    /// <summary>Keeps <paramref name="culture"/> for a year in the picker's cookie.</summary>
    public static void WriteCookie(HttpContext context, RequestCulture culture) =>
        context.Response.Cookies.Append(Languages.CookieName, CookieRequestCultureProvider.MakeCookieValue(culture), new CookieOptions
        {
            Path = "/",
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(365),
        });

    private static void LocalizeBindingMessages(MvcOptions options, IStringLocalizer texts)
    {
        var messages = options.ModelBindingMessageProvider;
        messages.SetAttemptedValueIsInvalidAccessor((value, field) => texts["The value '{0}' is not valid for {1}.", value, field]);
        messages.SetMissingBindRequiredValueAccessor(field => texts["A value for {0} was not provided.", field]);
        messages.SetMissingKeyOrValueAccessor(() => texts["A value is required."]);
        messages.SetMissingRequestBodyRequiredValueAccessor(() => texts["A non-empty request body is required."]);
        messages.SetNonPropertyAttemptedValueIsInvalidAccessor(value => texts["The value '{0}' is not valid.", value]);
        messages.SetNonPropertyUnknownValueIsInvalidAccessor(() => texts["The value entered is not valid."]);
        messages.SetNonPropertyValueMustBeANumberAccessor(() => texts["Enter a number."]);
        messages.SetUnknownValueIsInvalidAccessor(field => texts["The value entered for {0} is not valid.", field]);
        messages.SetValueIsInvalidAccessor(value => texts["The value '{0}' is not valid.", value]);
        messages.SetValueMustBeANumberAccessor(field => texts["Enter a number for {0}.", field]);
        messages.SetValueMustNotBeNullAccessor(field => texts["Enter a value for {0}.", field]);
    }
}
