namespace IdentityProvider.Resilience;

/// <summary>
/// A system outside this service that the request needs (an on-premises directory) could not be reached, and nothing
/// was done. Answered 503 with <c>Retry-After</c> and the exception's own words for people (<see cref="Title"/>,
/// <see cref="Detail"/>).
/// </summary>
public class UpstreamUnavailableException(string title, string detail, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The page's heading.</summary>
    public string Title { get; } = title;

    /// <summary>What happened and what to do, for the person who asked.</summary>
    public string Detail { get; } = detail;
}
