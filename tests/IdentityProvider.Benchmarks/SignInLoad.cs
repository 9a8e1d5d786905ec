using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.Benchmarks;

/// <summary>
/// Failed sign-ins per second through the real sign-in page on PostgreSQL, the CPU each costs, and how much of it is the
/// password hash: the server's hasher is wrapped to add up the CPU time of the threads that run each verification
/// (CLOCK_THREAD_CPUTIME_ID, the kernel's share included), in the same run, so a machine that runs faster or slower from
/// one minute to the next does not move the ratio. The server and the clients share this process, so the sign-in figure
/// includes the (small) client side. Arguments: attempts (400), concurrency (8), warm-up attempts (600: the JIT keeps
/// recompiling hot methods for about the first 40 seconds, which a short warm-up counts as sign-in cost).
/// </summary>
internal static partial class SignInLoad
{
    private static long hashNanoseconds;
    private static long hashes;

    public static async Task RunAsync(int[] settings)
    {
        var attempts = settings.Length > 0 ? settings[0] : 400;
        var concurrency = settings.Length > 1 ? settings[1] : 8;
        var warmUp = settings.Length > 2 ? settings[2] : 600;
        var database = await TestDatabase.CreateAsync("load");
        await using var host = await IdentityProviderHost.StartAsync(database, new Dictionary<string, string?>
        {
            ["Lockout:SignInPerIpLimit"] = "100000",
            // There is a user per 50 attempts, so each sees at most about 40 wrong passwords: below the threshold, so every
            // attempt is checked (none paused).
            ["Lockout:Threshold"] = "100",
        }, builder =>
        {
            var registered = builder.Services.Single(d => d.ServiceType == typeof(IPasswordHasher<ApplicationUser>));
            builder.Services.Remove(registered);
            builder.Services.AddSingleton<IPasswordHasher<ApplicationUser>>(services =>
                new TimedHasher((IPasswordHasher<ApplicationUser>)ActivatorUtilities.CreateInstance(services, registered.ImplementationType!)));
        });

        var users = new List<string>();
        for (var i = 0; i < Math.Max(20, (attempts + warmUp) / 50); i++)
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
        Interlocked.Exchange(ref hashNanoseconds, 0);
        Interlocked.Exchange(ref hashes, 0);
        watch.Restart();
        await Load(attempts, 0);
        watch.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var signInCpu = cpu.TotalMilliseconds / attempts;
        var hashCpu = Interlocked.Read(ref hashNanoseconds) / 1e6 / Math.Max(1, Interlocked.Read(ref hashes));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{attempts} failed sign-ins, {concurrency} concurrent, {Environment.ProcessorCount} cores: {attempts / watch.Elapsed.TotalSeconds:F1}/s, " +
            $"{signInCpu:F1} ms CPU each, {watch.Elapsed.TotalMilliseconds / attempts * concurrency:F1} ms mean latency, " +
            $"working set {process.WorkingSet64 / 1048576} MB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"password verifications in the same run: {Interlocked.Read(ref hashes)}, {hashCpu:F1} ms CPU each; a failed sign-in costs {signInCpu / hashCpu:F2}x its hash"));
        foreach (var (client, _) in clients)
        {
            client.Dispose();
        }

        await host.DisposeAsync(); // before its database, so no background service logs a lost connection
        await PostgresServer.StopSharedAsync();
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static long ThreadCpuNanoseconds()
    {
        const int threadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
        if (ClockGetTime(threadCpuTime, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: this benchmark runs on Linux.");
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>The server's hasher, adding up the CPU time of each verification's thread.</summary>
    private sealed class TimedHasher(IPasswordHasher<ApplicationUser> inner) : IPasswordHasher<ApplicationUser>
    {
        public string HashPassword(ApplicationUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string providedPassword)
        {
            var before = ThreadCpuNanoseconds();
            var result = inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
            Interlocked.Add(ref hashNanoseconds, ThreadCpuNanoseconds() - before);
            Interlocked.Increment(ref hashes);
            return result;
        }
    }
}
