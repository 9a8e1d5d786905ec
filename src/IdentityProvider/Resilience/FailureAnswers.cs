using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using OpenIddict.Abstractions;

namespace IdentityProvider.Resilience;

/// <summary>
/// The one place where a failure that is not a bug becomes the answer it deserves instead of a 500:
/// <list type="bullet">
/// <item>unusable input that a framework refused while reading it (a body that is not valid JSON or has unknown
/// properties, a parameter that does not convert, a form over the limits or cut short, a missing or forged anti-forgery
/// token): 400 (or the framework's own 413, 415, 431);</item>
/// <item>an optimistic-concurrency conflict or a unique or foreign key that another request took first: 409, "this changed
/// meanwhile, try again";</item>
/// <item>more password hashes waiting than the node takes on (<see cref="ServerBusyException"/>): 503;</item>
/// <item>the database unreachable, restarting, out of connections or timing out: 503;</item>
/// <item>an outside system the request needs that cannot be reached (<see cref="UpstreamUnavailableException"/>, e.g. an
/// on-premises directory): 503 in the exception's own words, nothing changed.</item>
/// </list>
/// A 503 carries <c>Retry-After</c>. Anything else is a bug and still goes to the exception handler (logged, 500).
/// </summary>
internal sealed partial class FailureAnswers(RequestDelegate next, RequestAnswers answers, ILogger<FailureAnswers> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (!context.Response.HasStarted && context.RequestAborted.IsCancellationRequested
            && exception is OperationCanceledException or IOException)
        {
            // The caller went away: nobody reads an answer.
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }
        catch (Exception exception) when (!context.Response.HasStarted && Classify(exception) is { } answer)
        {
            var level = answer.Status >= StatusCodes.Status500InternalServerError ? LogLevel.Warning : LogLevel.Debug;
            if (logger.IsEnabled(level))
            {
                var failure = Describe(exception);
                LogAnswered(logger, level, answer.Status, answer.Title, context.Request.Method, context.Request.Path, failure);
            }

            await answers.AnswerAsync(context, answer);
        }
    }

    /// <summary>The answer a failure deserves, or null when it is a bug.</summary>
    internal static Answer? Classify(Exception exception)
    {
        if (Find<ServerBusyException>(exception) is not null)
        {
            return Answer.Busy;
        }

        if (Find<UpstreamUnavailableException>(exception) is { } upstream)
        {
            return new Answer(StatusCodes.Status503ServiceUnavailable, upstream.Title, upstream.Detail, "temporarily_unavailable");
        }

        if (Find<JsonException>(exception) is { } json)
        {
            var field = StrictJson.Field(json);
            return Answer.BadInput("The request body is not valid.", StrictJson.Describe(json), field);
        }

        if (Find<BadHttpRequestException>(exception) is { } bad)
        {
            return new Answer(bad.StatusCode, "The request is not valid.", bad.Message, "invalid_request");
        }

        if (Find<AntiforgeryValidationException>(exception) is not null)
        {
            return Answer.BadInput("The form has expired.", "Go back, reload the page and try again.");
        }

        if (Find<InvalidDataException>(exception) is not null || Find<ValueProviderException>(exception) is not null)
        {
            return Answer.BadInput("The request could not be read.", "The form or body is larger or more complex than this server accepts.");
        }

        if (IsConflict(exception))
        {
            return Answer.Conflict;
        }

        if (IsTransient(exception))
        {
            return Answer.Unavailable;
        }

        // Reading a request body that ends early or breaks its own format (a multipart body without its closing boundary).
        return exception is IOException ? Answer.BadInput("The request could not be read.", "The request body is incomplete or malformed.") : null;
    }

    private static bool IsConflict(Exception exception) =>
        Find<DbUpdateConcurrencyException>(exception) is not null
        || Find<OpenIddictExceptions.ConcurrencyException>(exception) is not null
        || Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation }
        || Find<SqliteException>(exception) is { SqliteErrorCode: 19 }; // SQLITE_CONSTRAINT

    private static bool IsTransient(Exception exception) =>
        Find<RetryLimitExceededException>(exception) is not null
        || Find<DbException>(exception) is { IsTransient: true }
        || Find<SqliteException>(exception) is { SqliteErrorCode: 5 or 6 } // SQLITE_BUSY, SQLITE_LOCKED
        || (Find<TimeoutException>(exception) is not null && Find<DbException>(exception) is not null)
        || Find<NpgsqlException>(exception) is { InnerException: TimeoutException or System.Net.Sockets.SocketException };

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }

            if (current is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                return aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(e => e is not null);
            }
        }

        return null;
    }

    private static string Describe(Exception exception) =>
        Find<PostgresException>(exception) is { } postgres ? $"{exception.GetType().Name} (SQL state {postgres.SqlState})" : exception.GetType().Name;

    [LoggerMessage(EventId = 7000, Message = "Answered {Status} ({Title}) to {Method} {Path}: {Failure}.")]
    private static partial void LogAnswered(ILogger logger, LogLevel level, int status, string title, string method, PathString path, string failure);
}
