using System.Diagnostics;
using System.Globalization;
using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.Benchmarks;

/// <summary>
/// Failed sign-ins per second through the real sign-in page on PostgreSQL, and the CPU each costs, next to the CPU of
/// one password verification measured in the same process right after. The server and the clients share this process,
/// so the sign-in figure includes the (small) client side. Arguments: attempts (400), concurrency (8), warm-up attempts
/// (600: the JIT keeps recompiling hot methods for about the first 40 seconds, which a short warm-up counts as sign-in
/// cost).
/// </summary>
internal static class SignInLoad
{
    public static async Task RunAsync(int[] settings)
    {
        var attempts = settings.Length > 0 ? settings[0] : 400;
        var concurrency = settings.Length > 1 ? settings[1] : 8;
        var warmUp = settings.Length > 2 ? settings[2] : 600;
        var database = await TestDatabase.CreateAsync("load");
        await using var host = await IdentityProviderHost.StartAsync(database, new Dictionary<string, string?>
        {
            ["Lockout:SignInPerIpLimit"] = "100000",
            // Each user sees about 16 wrong passwords here: below the threshold, so every attempt is checked (none paused).
            ["Lockout:Threshold"] = "100",
        });

        var users = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            users.Add((await TestData.CreateUserAsync(host)).UserName!);
        }

        var clients = new List<(HttpClient Client, string Token)>();
        for (var i = 0; i < concurrency; i++)
        {
            var client = host.CreateClient();
            using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
            var token = HtmlForms.Parse(await page.Content.ReadAsStringAsync())
                .QuerySelector($"input[name='{HtmlForms.AntiforgeryField}']")!.GetAttribute("value")!;
            clients.Add((client, token));
        }

        async Task Attempt(int i)
        {
            var (client, token) = clients[i % clients.Count];
            using var response = await client.PostAsync(new Uri("Account/Login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.UserName"] = i % 5 == 0 ? "nobody-" + i : users[i % users.Count],
                ["Input.Password"] = "Wrong-Password-" + i.ToString(CultureInfo.InvariantCulture),
                [HtmlForms.AntiforgeryField] = token,
            }));
            response.EnsureSuccessStatusCode();
        }

        async Task Load(int count, int offset)
        {
            using var gate = new SemaphoreSlim(concurrency);
            await Task.WhenAll(Enumerable.Range(offset, count).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    await Attempt(i);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var watch = Stopwatch.StartNew();
        await Load(Math.Max(warmUp, concurrency * 2), attempts);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up: {warmUp} attempts in {watch.Elapsed.TotalSeconds:F0} s"));

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        watch.Restart();
        await Load(attempts, 0);
        watch.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var peak = process.WorkingSet64;

        // Verifications of a stored Argon2id hash with the same hasher and the same concurrency (the hash gate lets as
        // many run at once as during the sign-ins), right after the load: what the hash alone costs on this machine.
        var hasher = host.Services.GetRequiredService<IPasswordHasher<ApplicationUser>>();
        var user = new ApplicationUser { UserName = "hash-probe" };
        var stored = hasher.HashPassword(user, "Wrong-Password-Probe");
        var verifications = Math.Max(concurrency * 4, attempts / 4);
        process.Refresh();
        var hashBefore = process.TotalProcessorTime;
        using (var probeGate = new SemaphoreSlim(concurrency))
        {
            await Task.WhenAll(Enumerable.Range(0, verifications).Select(i => Task.Run(async () =>
            {
                await probeGate.WaitAsync();
                try
                {
                    hasher.VerifyHashedPassword(user, stored, "Wrong-Password-" + i.ToString(CultureInfo.InvariantCulture));
                }
                finally
                {
                    probeGate.Release();
                }
            })));
        }

        process.Refresh();
        var hashCpu = (process.TotalProcessorTime - hashBefore).TotalMilliseconds / verifications;
        var signInCpu = cpu.TotalMilliseconds / attempts;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{attempts} failed sign-ins, {concurrency} concurrent, {Environment.ProcessorCount} cores: {attempts / watch.Elapsed.TotalSeconds:F1}/s, " +
            $"{signInCpu:F1} ms CPU each, {watch.Elapsed.TotalMilliseconds / attempts * concurrency:F1} ms mean latency, " +
            $"working set {peak / 1048576} MB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one password verification, {concurrency} concurrent: {hashCpu:F1} ms CPU; a failed sign-in costs {signInCpu / hashCpu:F2}× its hash"));
        foreach (var (client, _) in clients)
        {
            client.Dispose();
        }

        await PostgresServer.StopSharedAsync();
    }
}
