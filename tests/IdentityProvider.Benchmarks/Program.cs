using BenchmarkDotNet.Running;
using IdentityProvider.Benchmarks;

// Micro-benchmarks:  dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- --filter '*'
// Sign-in load:      dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- signin-load [attempts] [concurrency] [warm-up attempts]
// Outbox drain:      dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- outbox-drain [emails]
// Reset journey:     dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- recovery-journey [journeys]
// Directory reset:   dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- directory-reset [journeys]   (writeback to a local slapd)
// Peer comparison:  dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- peer-compare [rounds] [seconds] [warm-up seconds] [RS256|ES256]   (wrk; oidc-provider from npm)
// Session check:     dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- session-check [requests] [concurrency] [rounds]
if (args is ["signin-load", ..])
{
    await SignInLoad.RunAsync(args.Skip(1).Select(int.Parse).ToArray());
    return;
}

if (args is ["peer-compare", ..])
{
    var algorithm = args.Skip(1).FirstOrDefault(a => a is "RS256" or "ES256") ?? "RS256";
    await PeerComparison.RunAsync(args.Skip(1).Where(a => a != algorithm).Select(int.Parse).ToArray(), algorithm);
    return;
}

if (args is ["session-check", ..])
{
    await SessionCheck.RunAsync(args.Skip(1).Select(int.Parse).ToArray());
    return;
}

if (args is ["directory-reset", ..])
{
    await RecoveryJourney.RunAsync(args.Skip(1).Select(int.Parse).ToArray(), directory: true);
    return;
}

if (args is ["recovery-journey", ..])
{
    await RecoveryJourney.RunAsync(args.Skip(1).Select(int.Parse).ToArray());
    return;
}

if (args is ["smtp-probe", var port]) { await SmtpProbe.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)); return; }

if (args is ["outbox-drain", ..])
{
    await OutboxDrain.RunAsync(args.Skip(1).Select(int.Parse).ToArray());
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(PasswordBenchmarks).Assembly).Run(args);
