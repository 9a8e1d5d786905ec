using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Duende.IdentityModel.Client;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace IdentityProvider.IntegrationTests.Resilience;

/// <summary>The server with self-service on, a real SMTP server, and every log entry kept.</summary>
public sealed class FuzzFixture : RecoveryFixture
{
    public LogCapture Logs { get; } = new();

    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        server.Settings["Lockout:SignInPerIpLimit"] = "100000";
        server.Host = builder => builder.Logging.AddProvider(Logs);
    }
}

/// <summary>
/// Walks the server's own endpoint list (every Razor Page and minimal API in the endpoint data source, and OpenIddict's
/// endpoints) and sends each a fixed, seeded set of hostile requests, anonymously and as an administrator past the
/// step-up: no answer may be a 5xx, and nothing may be logged as an unhandled error. A new page or endpoint is covered
/// by being mapped.
/// </summary>
public sealed class FuzzTests(FuzzFixture fixture) : IClassFixture<FuzzFixture>
{
    private const string OneMegabyte = "1MB";

    // Percent-encoded as they go on the wire; raw bytes (invalid UTF-8) included on purpose.
    private static readonly string[] Hostile =
    [
        "%00", "abc%00def", "%01%02%1B", "%0B%0C%7F", "%FF%FE%C3%28", "%ED%A0%80", "-1", "-2147483649", "2147483648",
        "99999999999999999999", "1e400", "NaN", "x", "maybe", "2026-13-45T99%3A99", "", "%20%20", "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "..%2F..%2Fetc%2Fpasswd", "%E2%80%AE", "%F0%9F%98%80", "'%3B%20DROP%20TABLE%20x%3B--", "%25", "%2Fcaf%C3%A9", "https%3A%2F%2Fevil.example%2F",
        "true", "0", "00000000-0000-0000-0000-000000000000",
    ];

    private static readonly string[] Verbs = ["GET", "HEAD", "PUT", "DELETE", "TRACE", "PROPFIND"];

    private static readonly string[] OAuthParameters =
    [
        "client_id", "client_secret", "grant_type", "code", "redirect_uri", "scope", "response_type", "response_mode", "state", "nonce",
        "code_challenge", "code_challenge_method", "code_verifier", "refresh_token", "token", "token_type_hint", "id_token_hint",
        "post_logout_redirect_uri", "prompt", "max_age", "ui_locales", "login_hint", "request", "action",
    ];

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task EveryEndpoint_AnswersHostileInput_WithoutAServerError()
    {
        var targets = await TargetsAsync();
        Assert.Contains(targets, t => t.Path == "/Account/Login");
        Assert.Contains(targets, t => t.Path.StartsWith("/api/v1/users", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.Path == "/connect/introspect");

        var answers = new ConcurrentBag<(string Request, int Status)>();
        var random = new Random(1405);
        using var anonymous = await Identity.AnonymousAsync(Idp);
        using var administrator = await Identity.AdministratorAsync(Idp);
        foreach (var identity in new[] { anonymous, administrator })
        {
            foreach (var target in targets)
            {
                await identity.EnsureSignedInAsync();
                var requests = Variants(target, identity, random).ToList();
                await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (variant, cancellationToken) =>
                {
                    using var request = variant.Build();
                    using var response = await identity.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    answers.Add(($"{identity.Name} {request.Method} {Shorten(request.RequestUri!.ToString())} [{variant.Kind}]", (int)response.StatusCode));
                });
            }
        }

        var byClass = answers.GroupBy(a => a.Status / 100).OrderBy(g => g.Key).Select(g => $"{g.Key}xx: {g.Count()}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{answers.Count} requests to {targets.Count} endpoints; {string.Join(", ", byClass)}");
        var errors = answers.Where(a => a.Status >= 500).Select(a => $"{a.Status} {a.Request}").Order(StringComparer.Ordinal).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} server errors:\n{string.Join("\n", errors.Take(50))}");
        var unhandled = fixture.Logs.Unhandled;
        Assert.True(unhandled.Count == 0, string.Join("\n\n", unhandled.Take(10)));
    }

    /// <summary>Every page, minimal API and OpenIddict endpoint, with its methods, its fields and its named handlers.</summary>
    private async Task<List<Target>> TargetsAsync()
    {
        var services = Idp.Services;
        var loader = services.GetRequiredService<PageLoader>();
        var targets = new Dictionary<string, Target>(StringComparer.Ordinal);
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern;
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } page)
            {
                if (targets.Values.Any(t => t.PageId == page.Id))
                {
                    continue;
                }

                var compiled = await loader.LoadAsync(page, endpoint.Metadata);
                var fields = compiled.BoundProperties.Select(p => (Name: p.BindingInfo?.BinderModelName ?? p.Name, Type: p.ParameterType))
                    .Concat(compiled.HandlerMethods.SelectMany(h => h.Parameters).Select(p => (Name: p.BindingInfo?.BinderModelName ?? p.Name, Type: p.ParameterType)))
                    .SelectMany(f => Expand(f.Name, f.Type)).Distinct().ToList();
                var handlers = compiled.HandlerMethods.Where(h => !string.IsNullOrEmpty(h.Name)).Select(h => h.Name!).Distinct().ToList();
                var posts = compiled.HandlerMethods.Any(h => h.HttpMethod.Equals("Post", StringComparison.OrdinalIgnoreCase));
                Add(new Target(pattern, ["GET", .. posts ? new[] { "POST" } : []], fields, handlers, null, page.Id));
            }
            else
            {
                var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.ToList() ?? ["GET"];
                var fields = endpoint.Metadata.OfType<IParameterBindingMetadata>()
                    .Where(p => pattern.GetParameter(p.Name) is null && IsSimple(p.ParameterInfo.ParameterType))
                    .Select(p => p.Name).Distinct().ToList();
                var body = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
                Add(new Target(pattern, methods, fields, [], body, null));
            }
        }

        var oidc = services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
        foreach (var uri in new[] { oidc.AuthorizationEndpointUris, oidc.TokenEndpointUris, oidc.IntrospectionEndpointUris, oidc.RevocationEndpointUris,
            oidc.UserInfoEndpointUris, oidc.EndSessionEndpointUris, oidc.ConfigurationEndpointUris, oidc.JsonWebKeySetEndpointUris }.SelectMany(u => u))
        {
            Add(new Target(RoutePatternFactory.Parse("/" + uri.OriginalString.TrimStart('/')), ["GET", "POST"], OAuthParameters, [], null, null));
        }

        return [.. targets.Values.OrderBy(t => t.Path, StringComparer.Ordinal)];

        void Add(Target target)
        {
            if (targets.TryGetValue(target.Path, out var known))
            {
                targets[target.Path] = known with { Methods = [.. known.Methods.Union(target.Methods)], Fields = [.. known.Fields.Union(target.Fields)], Body = known.Body ?? target.Body };
            }
            else
            {
                targets[target.Path] = target;
            }
        }
    }

    /// <summary>Form field names for a bound property: itself, or its properties, list items and dictionary entries.</summary>
    private static IEnumerable<string> Expand(string name, Type type)
    {
        if (IsSimple(type))
        {
            return [name];
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return [$"{name}[first-pet]", $"{name}[%00]"];
        }

        if (type.IsArray || (type.IsGenericType && type.GetGenericArguments().Length == 1 && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)))
        {
            return [name, $"{name}[0]", $"{name}[99999999999]"];
        }

        return type.GetProperties().Where(p => p.CanWrite && p.SetMethod!.IsPublic).SelectMany(p => IsSimple(p.PropertyType) ? [$"{name}.{p.Name}"] : Expand($"{name}.{p.Name}", p.PropertyType));
    }

    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Guid) || type == typeof(DateTimeOffset) || type == typeof(DateTime)
            || type == typeof(decimal) || type == typeof(TimeSpan);
    }

    /// <summary>The hostile requests for one endpoint: a fixed list, and a few combinations drawn from the seeded generator.</summary>
    private static IEnumerable<Variant> Variants(Target target, Identity identity, Random random)
    {
        var path = target.Fill(_ => "x1");
        var fields = target.Fields.Count > 0 ? target.Fields : ["q", "id", "page"];

        foreach (var verb in Verbs)
        {
            yield return new Variant("verb", verb, path);
        }

        foreach (var value in Hostile.Where((_, i) => i % 2 == 0))
        {
            yield return new Variant("query", "GET", path + "?" + string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f)}={value}")));
        }

        yield return new Variant("repeated", "GET", path + "?" + string.Join('&', fields.SelectMany(f => Hostile.Take(4).Select(v => $"{Uri.EscapeDataString(f)}={v}"))));
        yield return new Variant("1500 repeats", "GET", path + "?" + string.Join('&', Enumerable.Repeat($"{Uri.EscapeDataString(fields[0])}=1", 1500)));
        yield return new Variant("long url", "GET", path + "?" + fields[0] + "=" + new string('a', 20_000));
        yield return new Variant("long header", "GET", path) { Headers = { ["X-Fuzz"] = new string('h', 40_000) } };
        yield return new Variant("long user agent", "GET", path) { Headers = { ["User-Agent"] = new string('u', 4_000), ["Accept-Language"] = "zz-ZZ;q=abc, *;q=-1" } };
        yield return new Variant("forged cookies", "GET", path)
        {
            Headers = { ["Cookie"] = "idp.recovery=" + new string('r', 90) + "; .AspNetCore.Identity.Application=forged; .AspNetCore.Antiforgery.x=forged" },
        };
        yield return new Variant("json on get", "GET", path) { Body = ("{\"a\":", "application/json") };

        foreach (var value in Hostile.Where((_, i) => i % 3 == 0))
        {
            yield return new Variant("route", target.Methods[0], target.Fill(_ => value));
        }

        if (target.Methods.Any(m => m is "POST" or "PUT" or "PATCH"))
        {
            var method = target.Methods.First(m => m is "POST" or "PUT" or "PATCH");
            string Form(Func<string, string> value, bool token = true) =>
                string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f)}={value(f)}")
                    .Concat(token && identity.Token is { } t ? [$"__RequestVerificationToken={Uri.EscapeDataString(t)}"] : []));

            yield return new Variant("no token", method, path) { Body = (Form(_ => "x", token: false), "application/x-www-form-urlencoded") };
            yield return new Variant("forged token", method, path) { Body = (Form(_ => "x", token: false) + "&__RequestVerificationToken=CfDJ8forged", "application/x-www-form-urlencoded") };
            foreach (var value in Hostile)
            {
                yield return identity.Form(new Variant("form", method, path) { Body = (Form(_ => value), "application/x-www-form-urlencoded") });
            }

            for (var i = 0; i < 6; i++)
            {
                var picks = fields.ToDictionary(f => f, _ => Hostile[random.Next(Hostile.Length)], StringComparer.Ordinal);
                yield return identity.Form(new Variant("form mix", method, path) { Body = (Form(f => picks[f]), "application/x-www-form-urlencoded") });
            }

            foreach (var handler in target.Handlers)
            {
                var value = Hostile[random.Next(Hostile.Length)];
                yield return identity.Form(new Variant("handler", method, $"{path}?handler={handler}") { Body = (Form(_ => value), "application/x-www-form-urlencoded") });
                yield return identity.Form(new Variant("handler verb", "PUT", $"{path}?handler={handler}"));
            }

            yield return identity.Form(new Variant(OneMegabyte, method, path) { Body = (Form(_ => new string('m', 1 << 20)), "application/x-www-form-urlencoded") });
            yield return identity.Form(new Variant("1100 keys", method, path)
            {
                Body = (string.Join('&', Enumerable.Range(0, 1100).Select(i => $"k{i}=v")) + $"&__RequestVerificationToken={Uri.EscapeDataString(identity.Token ?? string.Empty)}", "application/x-www-form-urlencoded"),
            });
            yield return identity.Form(new Variant("json to form", method, path) { Body = ("{\"" + fields[0] + "\":\"x\"}", "application/json") });
            yield return identity.Form(new Variant("multipart garbage", method, path) { Body = ("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--c--", "multipart/form-data; boundary=b") });
            yield return identity.Form(new Variant("text", method, path) { Body = (Form(_ => "x"), "text/plain") });
            yield return identity.Form(new Variant("bad content type", method, path) { Body = (Form(_ => "x"), "application/x-www-form-urlencoded; charset=nonsense") });

            foreach (var json in JsonBodies(target.Body, random).Where((_, i) => target.Body is not null || i % 8 == 0))
            {
                yield return identity.Form(new Variant("json", method, path) { Body = (json, "application/json") });
            }

            yield return identity.Form(new Variant("invalid utf-8 json", method, path) { RawBody = ([(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'], "application/json") });
        }
    }

    /// <summary>JSON documents that a body of <paramref name="type"/> must refuse: wrong shapes, NUL, nulls, unknown properties, huge values.</summary>
    private static IEnumerable<string> JsonBodies(Type? type, Random random)
    {
        yield return string.Empty;
        yield return "null";
        yield return "[]";
        yield return "{";
        yield return "not json";
        yield return new string('[', 200) + new string(']', 200);
        yield return "{\"unknownProperty\":true}";
        var names = type is null || IsSimple(type) ? ["name", "password"] : type.GetProperties().Select(p => JsonNamingPolicy(p.Name)).ToList();
        foreach (var value in new[] { "\"\\u0000\"", "\"a\\u0001b\"", "null", "{}", "[null]", "[\"\\u0000\"]", "99999999999999999999", "-1", "true", "\"" + new string('j', 1 << 20) + "\"", "\"\\ud800\"" })
        {
            yield return "{" + string.Join(',', names.Select(n => $"\"{n}\":{value}")) + "}";
        }

        yield return "{" + string.Join(',', names.Select(n => $"\"{n}\":\"{(char)('a' + random.Next(26))}\"")) + ",\"isAdministrator\":true}";
    }

    private static string JsonNamingPolicy(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "…" : text;

    private sealed record Target(RoutePattern Pattern, IReadOnlyList<string> Methods, IReadOnlyList<string> Fields, IReadOnlyList<string> Handlers, Type? Body, string? PageId)
    {
        public string Path => Fill(p => "{" + p.Name + "}");

        /// <summary>The path with each route parameter given <paramref name="value"/> (GUID-constrained ones a GUID).</summary>
        public string Fill(Func<RoutePatternParameterPart, string> value)
        {
            var path = new StringBuilder();
            foreach (var segment in Pattern.PathSegments)
            {
                path.Append('/');
                foreach (var part in segment.Parts)
                {
                    path.Append(part switch
                    {
                        RoutePatternLiteralPart literal => literal.Content,
                        RoutePatternSeparatorPart separator => separator.Content,
                        RoutePatternParameterPart parameter when parameter.ParameterPolicies.Any(p => p.Content == "guid") => Guid.NewGuid().ToString(),
                        RoutePatternParameterPart parameter => value(parameter),
                        _ => string.Empty,
                    });
                }
            }

            return path.Length == 0 ? "/" : path.ToString();
        }
    }

    private sealed record Variant(string Kind, string Method, string Path)
    {
        public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

        public (string Text, string ContentType)? Body { get; init; }

        public (byte[] Bytes, string ContentType)? RawBody { get; init; }

        public HttpRequestMessage Build()
        {
            var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(Path.TrimStart('/'), UriKind.Relative));
            foreach (var (name, value) in Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            if (Body is { } body)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.Text));
                request.Content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
            }
            else if (RawBody is { } raw)
            {
                request.Content = new ByteArrayContent(raw.Bytes);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", raw.ContentType);
            }

            return request;
        }
    }

    /// <summary>A browser (cookies, an anti-forgery token) and, for the administrator, a bearer token for the admin API.</summary>
    private sealed class Identity(IdentityProviderHost idp, string name, bool administrator) : IDisposable
    {
        private CookieContainer cookies = new();

        public string Name { get; } = name;

        public HttpClient Client { get; private set; } = null!;

        public string? Token { get; private set; }

        public static async Task<Identity> AnonymousAsync(IdentityProviderHost idp)
        {
            var identity = new Identity(idp, "anonymous", administrator: false);
            await identity.StartAsync();
            return identity;
        }

        public static async Task<Identity> AdministratorAsync(IdentityProviderHost idp)
        {
            var identity = new Identity(idp, "administrator", administrator: true);
            await identity.StartAsync();
            return identity;
        }

        /// <summary>A request that carries the anti-forgery token in its header too (the password meter's way).</summary>
        public Variant Form(Variant variant)
        {
            if (Token is not null)
            {
                variant.Headers["RequestVerificationToken"] = Token;
            }

            return variant;
        }

        /// <summary>The administrator stays signed in and stepped up: a hostile request may have signed them out or locked them.</summary>
        public async Task EnsureSignedInAsync()
        {
            if (!administrator)
            {
                return;
            }

            using var check = await Client.GetAsync(new Uri("admin", UriKind.Relative));
            if (check.StatusCode != HttpStatusCode.OK)
            {
                Client.Dispose();
                await StartAsync();
            }
        }

        public void Dispose() => Client.Dispose();

        private async Task StartAsync()
        {
            cookies = new CookieContainer();
            Client = idp.CreateClient(followRedirects: false, cookies);
            if (administrator)
            {
                // A fresh administrator each time: the hostile passwords may have locked the last one out.
                var admin = await RecoveryData.CreateUserAsync(idp, role: "Administrator", authenticator: true);
                using var browser = new RecoveryBrowser(idp, cookies);
                await browser.OpenAsync("Account/Login?returnUrl=%2Fadmin");
                await browser.SubmitAsync(new() { ["Input.UserName"] = admin.UserName!, ["Input.Password"] = TestData.Password });
                await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
                Assert.Equal("/admin", browser.Path);
                Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiTokenAsync());
            }

            using var page = await Client.GetAsync(new Uri(administrator ? "Account" : "Account/Login", UriKind.Relative));
            Token = HtmlForms.Parse(await page.Content.ReadAsStringAsync()).QuerySelector($"input[name='{HtmlForms.AntiforgeryField}']")?.GetAttribute("value");
            Assert.NotNull(Token);
        }

        private async Task<string> ApiTokenAsync()
        {
            var clientId = "fuzz-" + Guid.NewGuid().ToString("N")[..8];
            var secret = "cs_" + clientId + "-secret";
            string[] scopes = [.. IdentityProvider.Admin.AdminApi.Scopes];
            await TestData.RegisterServiceClientAsync(idp, clientId, secret, scopes);
            using var http = new HttpClient();
            var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
            {
                Address = new Uri(idp.BaseAddress, "connect/token").ToString(),
                ClientId = clientId,
                ClientSecret = secret,
                Scope = string.Join(' ', scopes),
            });
            Assert.False(token.IsError, token.Error);
            return token.AccessToken!;
        }
    }
}
