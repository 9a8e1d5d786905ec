using System.Buffers;
using Microsoft.AspNetCore.Diagnostics;

namespace IdentityProvider.Resilience;

/// <summary>
/// Refuses a request whose path, query or form holds a control character (NUL, and the other C0 controls except tab,
/// carriage return and line feed) before any page, API or OpenIddict handler sees it: such a value cannot be stored
/// (PostgreSQL refuses NUL in text), has no meaning in any field here, and would otherwise fail deep inside the
/// database driver. JSON bodies are checked while they are read (<see cref="StrictJson"/>). Invalid UTF-8 needs no
/// check: it is decoded to U+FFFD before anything reads it.
/// </summary>
internal sealed class InputGuard(RequestDelegate next, RequestAnswers answers)
{
    private static readonly SearchValues<char> Forbidden = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000c\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    public async Task InvokeAsync(HttpContext context)
    {
        // A status page or error page shown for this request sees the same (already refused) input: let it through.
        if (context.Features.Get<IStatusCodeReExecuteFeature>() is null && context.Features.Get<IExceptionHandlerFeature>() is null
            && await FindControlCharacterAsync(context.Request) is { } where)
        {
            await answers.AnswerAsync(context, Answer.BadInput(
                "The request contains a character that is not allowed.",
                $"The {where} contains a control character (such as NUL), which no field accepts.",
                where));
            return;
        }

        await next(context);
    }

    /// <summary>Whether <paramref name="value"/> holds a C0 control character other than tab, carriage return and line feed.</summary>
    public static bool HasControlCharacter(string value) => value.AsSpan().ContainsAny(Forbidden);

    private static async Task<string?> FindControlCharacterAsync(HttpRequest request)
    {
        if (request.Path.HasValue && HasControlCharacter(request.Path.Value!))
        {
            return "path";
        }

        foreach (var (key, values) in request.Query)
        {
            if (HasControlCharacter(key) || values.Any(v => v is not null && HasControlCharacter(v)))
            {
                return "query";
            }
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            foreach (var (key, values) in form)
            {
                if (HasControlCharacter(key) || values.Any(v => v is not null && HasControlCharacter(v)))
                {
                    return "form";
                }
            }
        }

        return null;
    }
}
