using System.Diagnostics;
using System.Globalization;
using IdentityProvider.Testing;

namespace IdentityProvider.Benchmarks;

/// <summary>
/// What the server-side session check costs per request: the same cheap endpoint (<c>/health/live</c>) requested with a valid
/// session cookie (the cookie is decrypted and its session row read, joined with the user's security stamp) and without
/// one, in alternating rounds on PostgreSQL. The difference is the per-request price of "every session ends at its next
/// request".
/// </summary>
internal static class SessionCheck
{
    public static async Task RunAsync(int[] settings)
    {
        var requests = settings.Length > 0 ? settings[0] : 2000;
        var concurrency = settings.Length > 1 ? settings[1] : 8;
        var rounds = settings.Length > 2 ? settings[2] : 3;
        var connectionString = await TestDatabase.CreateAsync("session-check");
        await using var host = await IdentityProviderHost.StartAsync(connectionString);

        var signedIn = new List<HttpClient>();
        var anonymous = new List<HttpClient>();
        for (var i = 0; i < concurrency; i++)
        {
            var user = await TestData.CreateUserAsync(host);
            var client = host.CreateClient();
            await HtmlForms.SignInAsync(client, user.UserName!, TestData.Password);
            signedIn.Add(client);
            anonymous.Add(host.CreateClient());
        }

        async Task<(double PerSecond, double CpuMs, double LatencyMs)> RunAsync(List<HttpClient> clients, string path = "health/live")
        {
            var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(async client =>
            {
                for (var i = 0; i < requests / clients.Count; i++)
                {
                    using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                    response.EnsureSuccessStatusCode();
                }
            }));
            watch.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            return (requests / watch.Elapsed.TotalSeconds, cpu.TotalMilliseconds / requests, watch.Elapsed.TotalMilliseconds / requests * clients.Count);
        }

        await RunAsync(signedIn);
        await RunAsync(anonymous);
        var with = new List<(double PerSecond, double CpuMs, double LatencyMs)>();
        var without = new List<(double PerSecond, double CpuMs, double LatencyMs)>();
        var database = new List<(double PerSecond, double CpuMs, double LatencyMs)>();
        for (var round = 0; round < rounds; round++)
        {
            with.Add(await RunAsync(signedIn));
            without.Add(await RunAsync(anonymous));
            database.Add(await RunAsync(anonymous, "health/ready"));
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
        }

        var cpuWith = Median(with.Select(r => r.CpuMs));
        var cpuWithout = Median(without.Select(r => r.CpuMs));
        var latencyWith = Median(with.Select(r => r.LatencyMs));
        var latencyWithout = Median(without.Select(r => r.LatencyMs));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{requests} requests × {rounds} rounds, {concurrency} concurrent, {Environment.ProcessorCount} cores (medians): " +
            $"signed in {Median(with.Select(r => r.PerSecond)):F0}/s, {cpuWith:F2} ms CPU, {latencyWith:F2} ms latency; " +
            $"anonymous {Median(without.Select(r => r.PerSecond)):F0}/s, {cpuWithout:F2} ms CPU, {latencyWithout:F2} ms latency; " +
            $"the session check costs {cpuWith - cpuWithout:F2} ms CPU and {latencyWith - latencyWithout:F2} ms latency per request; " +
            $"for comparison one database round trip (anonymous /health/ready) costs {Median(database.Select(r => r.CpuMs)) - cpuWithout:F2} ms CPU and " +
            $"{Median(database.Select(r => r.LatencyMs)) - latencyWithout:F2} ms latency"));
        foreach (var client in signedIn.Concat(anonymous))
        {
            client.Dispose();
        }

        await host.DisposeAsync(); // before its database, so no background service logs a lost connection
        await PostgresServer.StopSharedAsync();
    }
}
