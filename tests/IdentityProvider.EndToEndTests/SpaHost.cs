using System.Diagnostics;
using System.Text.Encodings.Web;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// A single-page app on its own origin (127.0.0.1 and its own port, while the identity provider is on localhost):
/// the files in <c>Spa/</c> with oidc-client-ts from npm, and a <c>/form-post-callback</c> that shows what a
/// <c>response_mode=form_post</c> answer delivered.
/// </summary>
public sealed class SpaHost : IAsyncDisposable
{
    private static readonly SemaphoreSlim Install = new(1, 1);
    private readonly WebApplication app;

    private SpaHost(WebApplication app, Uri origin)
    {
        this.app = app;
        Origin = origin;
    }

    public Uri Origin { get; }

    public static string Directory { get; } = Path.Combine(SourceTree.Root, "tests", "IdentityProvider.EndToEndTests", "Spa");

    public static Uri ReserveOrigin() => new($"http://127.0.0.1:{Ports.Free()}/");

    public static async Task<SpaHost> StartAsync(Uri origin, Uri authority, string clientId)
    {
        await EnsurePackagesAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(origin.GetLeftPart(UriPartial.Authority));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        foreach (var (path, file, type) in new[]
        {
            ("/index.html", "index.html", "text/html"),
            ("/callback.html", "callback.html", "text/html"),
            ("/app.js", "app.js", "text/javascript"),
            ("/oidc-client-ts.min.js", Path.Combine("node_modules", "oidc-client-ts", "dist", "browser", "oidc-client-ts.min.js"), "text/javascript"),
        })
        {
            app.MapGet(path, () => Results.File(Path.Combine(Directory, file), type));
        }

        app.MapGet("/settings.json", () => Results.Json(new { authority = authority.ToString(), clientId }));
        app.MapPost("/form-post-callback", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            var encode = HtmlEncoder.Default;
            return Results.Content(
                $"<!doctype html><html lang=\"en\"><head><title>Callback</title></head><body><main><h1>Callback</h1>" +
                $"<p id=\"code\">{(form.ContainsKey("code") ? "Code received" : "No code")}</p>" +
                $"<p id=\"state\">{encode.Encode(form["state"].ToString())}</p></main></body></html>",
                "text/html");
        });
        await app.StartAsync();
        return new SpaHost(app, origin);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>
    /// Installs the app's npm packages (<c>npm ci</c> from the committed lock file) when they are missing. Fails with
    /// what to install when npm is not there: the browser tests never run without the real client library.
    /// </summary>
    private static async Task EnsurePackagesAsync()
    {
        await Install.WaitAsync();
        try
        {
            var marker = Path.Combine(Directory, "node_modules", ".package-lock.json");
            if (File.Exists(marker) && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(Path.Combine(Directory, "package-lock.json")))
            {
                return;
            }

            using var npm = new Process
            {
                StartInfo = new ProcessStartInfo("npm", "ci --no-audit --no-fund")
                {
                    WorkingDirectory = Directory,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                },
            };
            try
            {
                npm.Start();
            }
            catch (System.ComponentModel.Win32Exception error)
            {
                throw new InvalidOperationException(
                    "The single-page app tests need npm to install oidc-client-ts (from tests/IdentityProvider.EndToEndTests/Spa/package-lock.json). " +
                    "Install Node.js 18 or later with npm (Debian: `apt-get install nodejs npm`); ./test.sh installs them for you.", error);
            }

            var output = npm.StandardOutput.ReadToEndAsync();
            var errors = npm.StandardError.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"`npm ci` in {Directory} failed ({npm.ExitCode}):\n{await output}\n{await errors}");
            }
        }
        finally
        {
            Install.Release();
        }
    }
}
