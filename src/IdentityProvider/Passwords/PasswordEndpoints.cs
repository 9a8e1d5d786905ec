using IdentityProvider.Data;
using Microsoft.AspNetCore.Antiforgery;
using IdentityProvider.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.Passwords;

internal static class PasswordEndpoints
{
    public const string CheckPath = "/account/password/check";

    /// <summary>
    /// The strength meter's endpoint: the one password policy's verdict on a candidate password (without the
    /// history rule, which is checked when the form is submitted). Same-origin only: it requires the page's
    /// anti-forgery token in the <c>RequestVerificationToken</c> header.
    /// </summary>
    public static IEndpointRouteBuilder MapPasswordEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(CheckPath, CheckAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> CheckAsync(
        HttpContext context,
        PasswordCheckRequest? request,
        IAntiforgery antiforgery,
        UserManager<ApplicationUser> users,
        PasswordPolicy policy,
        IStringLocalizer<SharedText> texts)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: texts["The page has expired. Reload it and try again."]);
        }

        if (request?.Password is not { } password || password.Length > 1024)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: texts["Send the password to check, at most 1,024 characters."]);
        }

        var user = context.User.Identity?.IsAuthenticated == true ? await users.GetUserAsync(context.User) : null;
        var check = await policy.CheckAsync(user, password, checkHistory: false, context.RequestAborted);
        return Results.Ok(new PasswordCheckResponse(
            check.Acceptable,
            check.Strength,
            check.StrengthLabel(texts),
            [.. check.Failures.Select(f => f.Description)]));
    }
}

public sealed record PasswordCheckRequest(string? Password);

public sealed record PasswordCheckResponse(bool Acceptable, int Strength, string Label, string[] Messages);
