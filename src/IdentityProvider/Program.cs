using IdentityProvider;

// serve (the default), migrate, healthcheck, help: see CommandLine (and `--help`) for the commands and exit codes.
return await CommandLine.RunAsync(args);
