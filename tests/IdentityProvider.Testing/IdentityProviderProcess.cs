using System.Collections.Concurrent;
using System.Diagnostics;

namespace IdentityProvider.Testing;

/// <summary>
/// The built server (<c>IdentityProvider.dll</c>) run by <c>dotnet</c> as a process of its own on a loopback port,
/// configured by <c>--Key=value</c> arguments, as an operator runs it. Killed with its process tree when stopped or
/// disposed, and when the test process exits.
/// </summary>
public sealed class IdentityProviderProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<IdentityProviderProcess, bool> Running = new();
    private readonly IReadOnlyDictionary<string, string?> settings;
    private readonly ConcurrentQueue<string> output = new();
    private Process? process;

    static IdentityProviderProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var server in Running.Keys)
        {
            server.Kill();
        }
    };

    private IdentityProviderProcess(int port, IReadOnlyDictionary<string, string?> settings)
    {
        Port = port;
        this.settings = settings;
    }

    public int Port { get; }

    /// <summary>The address the process listens on, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public bool HasExited => process is null || process.HasExited;

    /// <summary>The server's build next to the test binaries (a test project that references it gets a copy).</summary>
    public static string ServerAssembly
    {
        get
        {
            var copy = Path.Combine(AppContext.BaseDirectory, "IdentityProvider.dll");
            return File.Exists(copy) && File.Exists(Path.ChangeExtension(copy, ".runtimeconfig.json"))
                ? copy
                : throw new InvalidOperationException($"The built server is not next to the tests ({copy}): build the solution first.");
        }
    }

    /// <summary>Starts the server on a free port and returns once <c>/health/ready</c> answers 200.</summary>
    public static async Task<IdentityProviderProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, TimeSpan? timeout = null)
    {
        var server = new IdentityProviderProcess(Ports.Free(), settings);
        await server.StartAgainAsync(timeout);
        return server;
    }

    /// <summary>Starts the server again on the same port (after <see cref="Kill"/>), returning once it is ready.</summary>
    public async Task StartAgainAsync(TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        // Short-lived servers on a busy test machine: workstation GC and no profile-guided re-JIT spend less CPU warming up.
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.ArgumentList.Add(ServerAssembly);
        foreach (var (key, value) in settings.Where(p => p.Value is not null))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.ArgumentList.Add($"--urls=http://127.0.0.1:{Port}");
        output.Clear();
        process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Running[this] = true;
        await WaitUntilReadyAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Ends the process and its children at once (SIGKILL): a node that crashes or loses its machine.</summary>
    public void Kill()
    {
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }

        process.Dispose();
        process = null;
        Running.TryRemove(this, out _);
    }

    /// <summary>What the process wrote last (its warnings and errors), for a failure message.</summary>
    public string Output => string.Join(Environment.NewLine, output);

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 200 && output.TryDequeue(out _))
        {
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process!.HasExited)
            {
                throw new InvalidOperationException($"The server process on port {Port} exited with code {process.ExitCode} while starting:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Address, "health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but busy starting.
            }

            if (DateTime.UtcNow > deadline)
            {
                Kill();
                throw new InvalidOperationException($"The server process on port {Port} was not ready within {timeout.TotalSeconds:0} s:\n{Output}");
            }

            await Task.Delay(100);
        }
    }
}
