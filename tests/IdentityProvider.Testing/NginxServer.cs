using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace IdentityProvider.Testing;

/// <summary>
/// A throwaway nginx (Debian's package) on a loopback port, balancing round robin over the given upstream ports with
/// the proxy settings of <c>deploy/nginx.conf</c> (its <c>location /</c> block, taken as it is). Its access log says
/// which upstream served each request (<see cref="TakeRequestsAsync"/>).
/// </summary>
public sealed partial class NginxServer : IAsyncDisposable
{
    public const string ExecutableVariable = "IDP_NGINX";

    private readonly DirectoryInfo root;
    private readonly Process process;
    private long logRead;

    private NginxServer(DirectoryInfo root, Process process, int port)
    {
        this.root = root;
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The balancer's origin with a trailing slash, e.g. <c>http://localhost:8123/</c>: the issuer users see.</summary>
    public Uri BaseAddress => new($"http://localhost:{Port}/");

    /// <summary>The nginx executable, or a failure that says how to get one.</summary>
    public static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"{ExecutableVariable} names {configured}, which does not exist.");
        }

        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Append("/usr/sbin");
        return candidates.Select(d => Path.Combine(d, "nginx")).FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            "The load-balancer tests run the server processes behind a real nginx and found none. Install it (Debian: " +
            "`apt-get install nginx-light`; test.sh does this when run as root) or set " + ExecutableVariable + " to an nginx executable.");
    }

    /// <summary>The <c>location /</c> block of the operators' sample configuration, <c>deploy/nginx.conf</c>.</summary>
    public static string SampleLocationBlock()
    {
        var sample = File.ReadAllText(Path.Combine(SourceTree.Root, "deploy", "nginx.conf"));
        var start = sample.IndexOf("location / {", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException("deploy/nginx.conf has no `location / {` block.");
        }

        var depth = 0;
        for (var i = start; i < sample.Length; i++)
        {
            depth += sample[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0 && sample[i] == '}')
            {
                return sample[start..(i + 1)];
            }
        }

        throw new InvalidOperationException("deploy/nginx.conf: the `location / {` block is not closed.");
    }

    /// <summary>Starts nginx in front of <paramref name="upstreamPorts"/> (on 127.0.0.1); returns once it accepts connections.</summary>
    public static async Task<NginxServer> StartAsync(IReadOnlyList<int> upstreamPorts, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(upstreamPorts);
        var executable = FindExecutable();
        var listen = port ?? Ports.Free();
        var root = Directory.CreateTempSubdirectory("idp-nginx-");
        var config = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"pid {root.FullName}/nginx.pid;")
            .AppendLine("worker_processes 1;")
            .AppendLine("events { worker_connections 256; }")
            .AppendLine("http {")
            .AppendLine(CultureInfo.InvariantCulture, $"    client_body_temp_path {root.FullName}/body;")
            .AppendLine(CultureInfo.InvariantCulture, $"    proxy_temp_path {root.FullName}/proxy;")
            .AppendLine(CultureInfo.InvariantCulture, $"    fastcgi_temp_path {root.FullName}/fastcgi;")
            .AppendLine(CultureInfo.InvariantCulture, $"    uwsgi_temp_path {root.FullName}/uwsgi;")
            .AppendLine(CultureInfo.InvariantCulture, $"    scgi_temp_path {root.FullName}/scgi;")
            .AppendLine("    log_format upstreams '$msec $status \"$request_method $request_uri\" \"$upstream_addr\" \"$upstream_status\"';")
            .AppendLine(CultureInfo.InvariantCulture, $"    access_log {root.FullName}/access.log upstreams;")
            .AppendLine("    upstream identity_provider {");
        foreach (var upstream in upstreamPorts)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"        server 127.0.0.1:{upstream} max_fails=1 fail_timeout=10s;");
        }

        config.AppendLine("        keepalive 16;")
            .AppendLine("    }")
            .AppendLine("    server {")
            .AppendLine(CultureInfo.InvariantCulture, $"        listen 127.0.0.1:{listen};")
            .AppendLine("        " + SampleLocationBlock())
            .AppendLine("    }")
            .AppendLine("}");
        var path = Path.Combine(root.FullName, "nginx.conf");
        await File.WriteAllTextAsync(path, config.ToString());
        File.WriteAllText(Path.Combine(root.FullName, "access.log"), string.Empty);
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            // The master opens the logs as root; the workers (nobody) write the temporary files.
            File.SetUnixFileMode(root.FullName, (UnixFileMode)0b111_111_111);
        }

        var start = new ProcessStartInfo(executable, ["-p", root.FullName, "-c", path, "-e", Path.Combine(root.FullName, "error.log"), "-g", "daemon off;"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start nginx.");
        var server = new NginxServer(root, process, listen);
        await server.WaitUntilListeningAsync();
        return server;
    }

    /// <summary>The generated configuration, for a failure message or the trace.</summary>
    public string Configuration => File.ReadAllText(Path.Combine(root.FullName, "nginx.conf"));

    /// <summary>
    /// The requests nginx logged since the last call, oldest first. nginx logs a request once its answer went out, which
    /// can be just after the client read it: this waits until the log has been quiet for a moment.
    /// </summary>
    public async Task<IReadOnlyList<ProxiedRequest>> TakeRequestsAsync()
    {
        var requests = new List<ProxiedRequest>();
        var quiet = 0;
        while (quiet < 3)
        {
            await Task.Delay(40);
            var more = ReadNew();
            quiet = more.Count == 0 ? quiet + 1 : 0;
            requests.AddRange(more);
        }

        return requests;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }

        process.Dispose();
        try
        {
            root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // The workers' temp folders may belong to another account.
        }
    }

    private List<ProxiedRequest> ReadNew()
    {
        using var stream = new FileStream(Path.Combine(root.FullName, "access.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(logRead, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n') + 1;
        logRead += Encoding.UTF8.GetByteCount(text[..complete]);
        return [.. text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ProxiedRequest.Parse)];
    }

    private async Task WaitUntilListeningAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            if (process.HasExited)
            {
                var error = Path.Combine(root.FullName, "error.log");
                throw new InvalidOperationException($"nginx exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}" +
                    (File.Exists(error) ? await File.ReadAllTextAsync(error) : string.Empty) + "\n" + Configuration);
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"nginx did not listen on port {Port}.");
    }

    [GeneratedRegex("""^(?<time>\S+) (?<status>\d+) "(?<method>\S+) (?<uri>[^"]*)" "(?<upstreams>[^"]*)" "(?<statuses>[^"]*)"$""")]
    private static partial Regex LogLine();

    /// <summary>One request as nginx logged it: what was asked, the answer, and each upstream tried in turn with its status.</summary>
    public sealed record ProxiedRequest(string Method, string Uri, int Status, IReadOnlyList<(int Port, string Status)> Tries)
    {
        /// <summary>The port of the upstream that gave the answer (the last one tried); 0 when nginx answered itself.</summary>
        public int ServedBy => Tries.Count > 0 ? Tries[^1].Port : 0;

        public static ProxiedRequest Parse(string line)
        {
            var match = LogLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException("Not an access log line: " + line);
            }

            var addresses = match.Groups["upstreams"].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries);
            var statuses = match.Groups["statuses"].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries);
            var tries = addresses.Where(a => a != "-")
                .Select((address, i) => (int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture), i < statuses.Length ? statuses[i] : "-"))
                .ToList();
            return new ProxiedRequest(match.Groups["method"].Value, match.Groups["uri"].Value, int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture), tries);
        }
    }
}
