using System.Collections.Concurrent;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Resilience;

/// <summary>
/// Unusable input to a page gets a 400 page before the page's handler runs:
/// <list type="bullet">
/// <item>a value that a page cannot convert to its field's type (a checkbox that is not a boolean, a number past its
/// type's range, a date that is no date), rather than a form rendered from a value it could not read. Each simple-type
/// binder is wrapped to notice its own failures (validation messages, such as a required field left empty, are not
/// binding failures and still show on the page);</item>
/// <item>a request that names no handler of a page that has handlers for its method (<c>?handler=Nonsense</c>, or a POST
/// without the handler a form names), which Razor Pages would otherwise render without running any code.</item>
/// </list>
/// </summary>
internal static class PageInput
{
    public static void Watch(IList<IModelBinderProvider> providers)
    {
        for (var i = 0; i < providers.Count; i++)
        {
            providers[i] = new WatchingProvider(providers[i]);
        }
    }

    private sealed class BindingFailed
    {
        public static readonly BindingFailed Instance = new();
    }

    private sealed class WatchingProvider(IModelBinderProvider inner) : IModelBinderProvider
    {
        public IModelBinder? GetBinder(ModelBinderProviderContext context)
        {
            var binder = inner.GetBinder(context);
            return binder is not null && !context.Metadata.IsComplexType ? new WatchingBinder(binder) : binder;
        }
    }

    private sealed class WatchingBinder(IModelBinder inner) : IModelBinder
    {
        public async Task BindModelAsync(ModelBindingContext bindingContext)
        {
            var errors = bindingContext.ModelState.ErrorCount;
            await inner.BindModelAsync(bindingContext);
            if (!bindingContext.Result.IsModelSet && bindingContext.ModelState.ErrorCount > errors)
            {
                bindingContext.HttpContext.Features.Set(BindingFailed.Instance);
            }
        }
    }

    /// <summary>Answers 400 before the page's handler runs when a value could not be bound.</summary>
    public sealed class Filter : IAsyncPageFilter
    {
        public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

        public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(next);
            var features = context.HttpContext.Features;
            if (features.Get<BindingFailed>() is not null)
            {
                features.Set<BindingFailed>(null);
                features.Set(Answer.BadInput(
                    "The form has a value this page cannot read.", "A field holds a value of the wrong kind, for example text where a number or a yes/no belongs."));
                context.Result = new StatusCodeResult(StatusCodes.Status400BadRequest);
                return Task.CompletedTask;
            }

            if (context.HandlerMethod is null && HasHandlersFor(context.ActionDescriptor, context.HttpContext.Request.Method))
            {
                features.Set(Answer.BadInput("This page cannot do that.", "The request asks the page for something it does not offer. Open the page with a link or its form."));
                context.Result = new StatusCodeResult(StatusCodes.Status400BadRequest);
                return Task.CompletedTask;
            }

            return next();
        }

        // A GET to a page that has only POST handlers still renders the page, as it always did.
        private static bool HasHandlersFor(CompiledPageActionDescriptor page, string method)
        {
            var verb = HttpMethods.IsHead(method) ? HttpMethods.Get : method;
            return page.HandlerMethods.Any(h => string.Equals(h.HttpMethod, verb, StringComparison.OrdinalIgnoreCase));
        }
    }
}

/// <summary>
/// Pages answer GET and HEAD, and POST when they have a POST handler; any other method gets 405 with <c>Allow</c>
/// before authorization or a page runs (minimal APIs get the same from routing). Runs after routing, which has then
/// loaded the page and knows its handlers.
/// </summary>
internal sealed class PageMethods(RequestDelegate next)
{
    private static readonly ConcurrentDictionary<string, string[]> Allowed = new(StringComparer.Ordinal);

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<CompiledPageActionDescriptor>() is not { } page
            || context.Features.Get<IStatusCodeReExecuteFeature>() is not null || context.Features.Get<IExceptionHandlerFeature>() is not null)
        {
            return next(context);
        }

        var allowed = Allowed.GetOrAdd(page.Id, _ =>
            [.. new[] { HttpMethods.Get, HttpMethods.Head }.Concat(page.HandlerMethods.Select(h => h.HttpMethod.ToUpperInvariant())).Distinct(StringComparer.Ordinal)]);
        if (allowed.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = string.Join(", ", allowed);
        return Task.CompletedTask;
    }
}
