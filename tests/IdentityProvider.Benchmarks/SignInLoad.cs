using System.Diagnostics;
using System.Globalization;
using IdentityProvider.Testing;

namespace IdentityProvider.Benchmarks;

/// <summary>
/// Failed sign-ins per second through the real sign-in page on PostgreSQL, and the CPU each costs. The server and
/// the clients share this process, so the CPU figure includes the (small) client side.
/// </summary>
internal static class SignInLoad
{
    public static async Task RunAsync(int[] settings)
    {
        var attempts = settings.Length > 0 ? settings[0] : 400;
        var concurrency = settings.Length > 1 ? settings[1] : 8;
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

        await Task.WhenAll(Enumerable.Range(0, concurrency * 2).Select(Attempt)); // warm-up

        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(Enumerable.Range(0, attempts).Select(async i =>
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
        watch.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{attempts} failed sign-ins, {concurrency} concurrent, {Environment.ProcessorCount} cores: {attempts / watch.Elapsed.TotalSeconds:F1}/s, " +
            $"{cpu.TotalMilliseconds / attempts:F1} ms CPU each, {watch.Elapsed.TotalMilliseconds / attempts * concurrency:F1} ms mean latency"));
        foreach (var (client, _) in clients)
        {
            client.Dispose();
        }

        await PostgresServer.StopSharedAsync();
    }
}
