using System.Diagnostics;
using System.Globalization;
using IdentityProvider.Testing;

namespace IdentityProvider.Benchmarks;

/// <summary>
/// One full self-service reset through the real pages on PostgreSQL, repeated: start (CAPTCHA question), reason,
/// choose email, enter the code, new password. Reports the server time of each step and of the whole journey (what
/// the person waits for, without their typing and without the email's delivery). With <c>directory</c>, the users live
/// in a local OpenLDAP (slapd, ppolicy, LDAPS) and the last step writes the password back there.
/// </summary>
internal static class RecoveryJourney
{
    public static async Task RunAsync(int[] settings, bool directory = false)
    {
        var journeys = settings.Length > 0 ? settings[0] : 30;
        var database = await TestDatabase.CreateAsync("journey-bench");
        await using var slapd = directory ? await SlapdServer.StartAsync() : null;
        var configuration = new Dictionary<string, string?>
        {
            ["SelfService:Scope"] = "All",
            ["Lockout:RecoveryStartPerIpLimit"] = "100000",
        };
        foreach (var (key, value) in slapd?.Settings("bench") ?? [])
        {
            configuration[key] = value;
        }

        await using var host = await IdentityProviderHost.StartAsync(database, configuration);

        string[] steps = ["open start page", "start (CAPTCHA, checks)", "reason", "choose email (code queued)", "enter code", "new password (reset)"];
        var times = steps.ToDictionary(s => s, _ => new List<double>());
        var totals = new List<double>();
        for (var i = 0; i < journeys + 3; i++)
        {
            var user = slapd is null
                ? await RecoveryData.CreateUserAsync(host, u => u.AlternateEmail = $"{u.UserName}@home.example")
                : await DirectoryUserAsync(host, slapd, i);
            using var browser = new RecoveryBrowser(host);
            var spent = new List<double>();
            async Task Step(Func<Task> step)
            {
                var watch = Stopwatch.StartNew();
                await step();
                spent.Add(watch.Elapsed.TotalMilliseconds);
            }

            await Step(() => browser.OpenAsync("recover?captcha=question"));
            var question = HtmlForms.Parse(browser.Html).QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim();
            await Step(() => browser.SubmitAsync(new() { ["Input.UserId"] = user.UserName!, ["Input.CaptchaAnswer"] = RecoveryData.AnswerCaptchaQuestion(question) }));
            await Step(() => browser.ChooseReasonAsync());
            await Step(() => browser.ChooseMethodAsync("AlternateEmail"));
            var code = await RecoveryData.LatestCodeAsync(host, user.AlternateEmail!);
            await Step(() => browser.EnterCodeAsync(code));
            await Step(() => browser.NewPasswordAsync("Velvet-Orchard-Kettle-73"));
            if (browser.Path != "/recover/done")
            {
                throw new InvalidOperationException($"Journey {i} ended on {browser.Path}.");
            }

            if (i >= 3)
            {
                for (var s = 0; s < steps.Length; s++)
                {
                    times[steps[s]].Add(spent[s]);
                }

                totals.Add(spent.Sum());
            }
        }

        var kind = slapd is null ? string.Empty : " of directory users (writeback to OpenLDAP over LDAPS)";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{journeys} reset journeys{kind} by email code, PostgreSQL, {Environment.ProcessorCount} cores (median / p95 ms):"));
        foreach (var step in steps)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-28} {Percentile(times[step], 0.5),7:F1} {Percentile(times[step], 0.95),7:F1}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"whole journey",-28} {Percentile(totals, 0.5),7:F1} {Percentile(totals, 0.95),7:F1}"));
        await host.DisposeAsync(); // before its database, so no background service logs a lost connection
        await PostgresServer.StopSharedAsync();
    }

    /// <summary>A person of the directory, imported here (as a first sign-in would) with an alternate email for the code.</summary>
    private static async Task<IdentityProvider.Data.ApplicationUser> DirectoryUserAsync(IdentityProviderHost host, SlapdServer slapd, int i)
    {
        var uid = string.Create(CultureInfo.InvariantCulture, $"bench{i}-{Guid.NewGuid():N}")[..20];
        await slapd.AddUserAsync(uid, "Granite-Lantern-Meadow-41", $"{uid}@example.org");
        await using var scope = host.CreateScope();
        var accounts = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IdentityProvider.Directories.DirectoryAccounts>(scope.ServiceProvider);
        var user = await accounts.ImportAsync(uid) ?? throw new InvalidOperationException($"{uid} was not imported.");
        await TestData.UpdateUserAsync(host, user.Id, (users, u) =>
        {
            u.AlternateEmail = $"{uid}@home.example";
            return users.UpdateAsync(u);
        });
        user.AlternateEmail = $"{uid}@home.example";
        return user;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Round(p * (sorted.Count - 1))];
    }
}
