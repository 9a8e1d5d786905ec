using BenchmarkDotNet.Running;
using IdentityProvider.Benchmarks;

// Micro-benchmarks:  dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- --filter '*'
// Sign-in load:      dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- signin-load [attempts] [concurrency]
if (args is ["signin-load", ..])
{
    await SignInLoad.RunAsync(args.Skip(1).Select(int.Parse).ToArray());
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(PasswordBenchmarks).Assembly).Run(args);
