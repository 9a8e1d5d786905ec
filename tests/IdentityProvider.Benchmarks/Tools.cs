using System.Diagnostics;
using System.Text;

namespace IdentityProvider.Benchmarks;

/// <summary>Outside programs the benchmarks drive: found on the PATH, installed from Debian's packages when possible.</summary>
internal static class Tools
{
    /// <summary>The path of <c>wrk</c>; installs Debian's package when it is missing and this runs as root with apt-get.</summary>
    public static async Task<string> RequireWrkAsync()
    {
        if (Find("wrk") is { } found)
        {
            return found;
        }

        if (Environment.UserName == "root" && Find("apt-get") is not null)
        {
            Console.WriteLine("Installing wrk from Debian's packages...");
            await RunAsync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "wrk"], Environment.CurrentDirectory,
                new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" });
        }

        return Find("wrk") ?? throw new InvalidOperationException("wrk is needed: install it (Debian: sudo apt-get install wrk) and run this again.");
    }

    /// <summary>Fails with what to install when <paramref name="program"/> is not on the PATH.</summary>
    public static string Require(string program, string howToGet) =>
        Find(program) ?? throw new InvalidOperationException($"{program} is needed: {howToGet}.");

    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs a program to its end and returns what it printed; throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, string directory, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.Append(await stdout).Append(await stderr);
        return process.ExitCode == 0
            ? output.ToString()
            : throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{output}");
    }
}
