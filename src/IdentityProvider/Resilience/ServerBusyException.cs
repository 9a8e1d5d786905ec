namespace IdentityProvider.Resilience;

/// <summary>
/// This node has more work of some kind than it takes on at once (see <see cref="LimitsOptions"/>). Nothing was changed;
/// the request is answered 503 with <c>Retry-After</c>.
/// </summary>
public sealed class ServerBusyException : Exception
{
    public ServerBusyException()
        : base("The server is busy; try again in a few seconds.")
    {
    }

    public ServerBusyException(string message)
        : base(message)
    {
    }

    public ServerBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
