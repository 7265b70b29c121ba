using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>Keeps log entries in memory so tests can assert on what the server logged.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void Dispose() { }

    private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (owner.Entries.Count < 10_000) owner.Entries.Enqueue((category, logLevel, formatter(state, exception), exception));
        }
    }
}
