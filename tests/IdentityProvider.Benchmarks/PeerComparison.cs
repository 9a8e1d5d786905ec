using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using IdentityProvider.Testing;

namespace IdentityProvider.Benchmarks;

/// <summary>
/// This server side by side with a peer, panva's <c>oidc-provider</c> (Node.js, from npm, in <c>Peer/</c>): the
/// published Release build on a throwaway PostgreSQL, both on loopback, driven by <c>wrk</c> with the same settings.
/// For each figure (client_credentials tokens, discovery, JWKS) it alternates A and B, <c>rounds</c> times each, after a
/// warm-up, and prints requests per second, the ratio, resident memory after the token runs and the time from start to
/// the first discovery document. Both sign with the same algorithm (RS256 unless ES256 is asked for); this server persists every token, the peer nothing.
/// </summary>
internal static partial class PeerComparison
{
    private const string ClientId = "bench";
    private const string Scope = "api";
    private const string Resource = "urn:bench:api";

    /// <param name="settings">Rounds, seconds per run, warm-up seconds.</param>
    /// <param name="algorithm">RS256 (both servers sign with an RSA 2048 key) or ES256 (a P-256 key).</param>
    public static async Task RunAsync(int[] settings, string algorithm)
    {
        var rounds = settings.Length > 0 ? settings[0] : 2;
        var seconds = settings.Length > 1 ? settings[1] : 10;
        var warmup = settings.Length > 2 ? settings[2] : 3;
        var wrk = await Tools.RequireWrkAsync();
        Tools.Require("node", "Node.js 20.19 or later with npm (Debian: apt-get install nodejs npm)");

        var work = Directory.CreateTempSubdirectory("idp-peer-").FullName;
        try
        {
            var peerDirectory = Path.Combine(SourceTree.Root, "tests", "IdentityProvider.Benchmarks", "Peer");
            if (!Directory.Exists(Path.Combine(peerDirectory, "node_modules", "oidc-provider")))
            {
                Console.WriteLine("Installing oidc-provider (npm ci)...");
                await Tools.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], peerDirectory);
            }

            // As deploy/Dockerfile publishes it: Release, ReadyToRun (precompiled, so the server starts and warms up sooner).
            Console.WriteLine("Publishing the server (Release, ReadyToRun)...");
            var published = Path.Combine(work, "publish");
            await Tools.RunAsync("dotnet", ["publish", Path.Combine(SourceTree.ProjectDirectory, "IdentityProvider.csproj"), "-c", "Release", "-o", published,
                "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "--nologo", "-v", "quiet"], SourceTree.Root);

            var database = await TestDatabase.CreateAsync("peer");
            var secret = "cs_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            await using (var seeding = await IdentityProviderHost.StartAsync(database))
            {
                await TestData.RegisterApiScopeAsync(seeding, Scope, Resource);
                await TestData.RegisterServiceClientAsync(seeding, ClientId, secret, Scope);
            }

            var signingKey = algorithm == "ES256" ? TestKeys.EllipticCurveSigningKeyPath : TestKeys.SigningKeyPath;
            var ours = await StartOursAsync(published, database, signingKey);
            await using var ourProcess = ours.Process;
            var peer = await StartPeerAsync(peerDirectory, secret, algorithm);
            await using var peerProcess = peer.Process;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Start to the first discovery document: this server {ours.StartTime.TotalMilliseconds:F0} ms (migrated PostgreSQL database), oidc-provider {peer.StartTime.TotalMilliseconds:F0} ms"));

            var targets = new (string Name, Server Server)[] { ("this server", ours), ("oidc-provider", peer) };
            foreach (var (_, server) in targets)
            {
                await CheckTokenAsync(server, secret, algorithm);
            }

            var basic = Convert.ToBase64String(Encoding.ASCII.GetBytes(ClientId + ":" + secret));
            var tokenScript = Path.Combine(work, "token.lua");
            await File.WriteAllTextAsync(tokenScript,
                "wrk.method = \"POST\"\n" +
                $"wrk.body = \"grant_type=client_credentials&scope={Scope}\"\n" +
                "wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n" +
                $"wrk.headers[\"Authorization\"] = \"Basic {basic}\"\n");

            var rows = new List<(string What, List<double> Ours, List<double> Peer)>();
            foreach (var (what, ourPath, peerPath, script) in new[]
            {
                ($"client_credentials tokens/s ({algorithm})", "connect/token", "token", tokenScript),
                ("discovery requests/s", ".well-known/openid-configuration", ".well-known/openid-configuration", null),
                ("JWKS requests/s", ".well-known/jwks", "jwks", null),
            })
            {
                var row = (what, new List<double>(), new List<double>());
                for (var round = 0; round < rounds; round++)
                {
                    row.Item2.Add(await WrkAsync(wrk, new Uri(ours.BaseAddress, ourPath), script, seconds, warmup));
                    row.Item3.Add(await WrkAsync(wrk, new Uri(peer.BaseAddress, peerPath), script, seconds, warmup));
                }

                rows.Add(row);
                if (script == tokenScript)
                {
                    Console.WriteLine($"Resident memory after the token runs: this server {Memory(ours.Process.Id)}, oidc-provider {Memory(peer.Process.Id)}");
                }
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrk -t2 -c16 -d{seconds}s after a {warmup} s warm-up, A/B alternated {rounds}x, {Environment.ProcessorCount} cores"));
            Console.WriteLine("| what | this server | oidc-provider | ratio |");
            Console.WriteLine("| --- | --- | --- | --- |");
            foreach (var (what, a, b) in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {what} | {string.Join(", ", a.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))} | {string.Join(", ", b.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))} | {a.Average() / b.Average():F2}x |"));
            }
        }
        finally
        {
            await PostgresServer.StopSharedAsync();
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the temp folder is the system's to clean.
            }
        }
    }

    private static async Task<Server> StartOursAsync(string published, string database, string signingKey)
    {
        var port = Ports.Free();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = published, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            Path.Combine(published, "IdentityProvider.dll"),
            "--environment=Benchmark",
            $"--urls=http://127.0.0.1:{port}",
            $"--ConnectionStrings:PostgreSql={database}",
            $"--Oidc:Issuer={baseAddress}",
            "--Oidc:AllowInsecureHttp=true",
            $"--Oidc:Keys:SigningKeyPath={signingKey}",
            $"--Oidc:Keys:EncryptionKeyPath={TestKeys.EncryptionKeyPath}",
            "--Messaging:UseDevMailbox=true",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        return await StartAsync(start, baseAddress, "connect/token");
    }

    private static async Task<Server> StartPeerAsync(string directory, string secret, string algorithm)
    {
        var port = Ports.Free();
        var start = new ProcessStartInfo("node") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("server.mjs");
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["CLIENT_ID"] = ClientId;
        start.Environment["CLIENT_SECRET"] = secret;
        start.Environment["SCOPE"] = Scope;
        start.Environment["RESOURCE"] = Resource;
        start.Environment["NODE_ENV"] = "production";
        start.Environment["ALG"] = algorithm;
        return await StartAsync(start, new Uri($"http://127.0.0.1:{port}/"), "token");
    }

    private static async Task<Server> StartAsync(ProcessStartInfo start, Uri baseAddress, string tokenPath)
    {
        const string discovery = ".well-known/openid-configuration";
        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                using var response = await http.GetAsync(new Uri(baseAddress, discovery));
                if (response.IsSuccessStatusCode)
                {
                    return new Server(new OwnedProcess(process), baseAddress, tokenPath, watch.Elapsed);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(20);
        }

        var exited = process.HasExited;
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }

        throw new InvalidOperationException($"{start.FileName} did not serve {discovery} within 60 s{(exited ? " (it exited)" : "")}. Its output:\n{output}");
    }

    /// <summary>One token from each server first: the figures count only answers that were right.</summary>
    private static async Task CheckTokenAsync(Server server, string secret, string algorithm)
    {
        using var http = new HttpClient();
        var path = server.TokenPath;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, path))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = Scope }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(ClientId + ":" + secret)));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || !body.Contains("access_token", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{server.BaseAddress}{path} answered {(int)response.StatusCode}: {body}");
        }

        using var json = System.Text.Json.JsonDocument.Parse(body);
        var header = json.RootElement.GetProperty("access_token").GetString()!.Split('.')[0];
        var alg = System.Text.Json.JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(header)).RootElement.GetProperty("alg").GetString();
        if (alg != algorithm)
        {
            throw new InvalidOperationException($"{server.BaseAddress} signs with {alg}, not {algorithm}: the comparison would not be fair.");
        }
    }

    private static async Task<double> WrkAsync(string wrk, Uri url, string? script, int seconds, int warmup)
    {
        string[] common = script is null ? [] : ["-s", script];
        await Tools.RunAsync(wrk, [.. common, "-t2", "-c16", $"-d{warmup}s", url.ToString()], SourceTree.Root);
        var output = await Tools.RunAsync(wrk, [.. common, "-t2", "-c16", $"-d{seconds}s", url.ToString()], SourceTree.Root);
        var failures = NonSuccess().Match(output);
        if (failures.Success)
        {
            throw new InvalidOperationException($"{url} answered {failures.Groups[1].Value} requests with an error status:\n{output}");
        }

        var errors = SocketErrors().Match(output);
        if (errors.Success)
        {
            throw new InvalidOperationException($"wrk against {url} met socket errors:\n{output}");
        }

        var rate = RequestsPerSecond().Match(output);
        return rate.Success
            ? double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"wrk printed no rate:\n{output}");
    }

    private static string Memory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        string Field(string name) => status.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Trim() ?? "?";
        return $"{ToMegabytes(Field("VmRSS"))} (peak {ToMegabytes(Field("VmHWM"))})";
    }

    private static string ToMegabytes(string kilobytes) =>
        kilobytes.EndsWith(" kB", StringComparison.Ordinal) && long.TryParse(kilobytes[..^3], out var kb)
            ? string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0:F0} MB")
            : kilobytes;

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors:.*")]
    private static partial Regex SocketErrors();

    private sealed record Server(OwnedProcess Process, Uri BaseAddress, string TokenPath, TimeSpan StartTime);

    /// <summary>A child process that is killed (with its children) when the benchmark ends.</summary>
    private sealed class OwnedProcess(Process process) : IAsyncDisposable
    {
        public int Id => process.Id;

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }
}
