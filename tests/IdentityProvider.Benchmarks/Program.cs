using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/IdentityProvider.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(IdentityProvider.Benchmarks.PasswordBenchmarks).Assembly).Run(args);
