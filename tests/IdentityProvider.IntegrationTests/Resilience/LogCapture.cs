using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IdentityProvider.IntegrationTests.Resilience;

/// <summary>A logger provider that keeps every entry the server logs at warning or above, to look for unhandled exceptions.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> entries = new();

    public IReadOnlyCollection<LogEntry> Entries => entries;

    /// <summary>
    /// Unhandled exceptions: what the exception handler, the developer exception page or Kestrel logged about a request, and
    /// a background service that stopped. (EF Core also logs a refused save as an error, even when the code handles it.)
    /// </summary>
    public IReadOnlyList<LogEntry> Unhandled => [.. entries.Where(e => e.Level >= LogLevel.Error && (
        e.Category.StartsWith("Microsoft.AspNetCore.Diagnostics", StringComparison.Ordinal)
        || e.Category.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal)
        || e.Category.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)))];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}

public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}[{EventId.Id}]: {Message}{(Exception is null ? string.Empty : "\n" + Exception)}";
}
