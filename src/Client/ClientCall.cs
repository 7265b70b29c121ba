using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using RbpPipeline.Grpc;

namespace RbpPipeline.Client;

/// <summary>
/// One call on the wire, for all four method kinds: request headers and body, response headers, messages and
/// the final status (from trailers, or from the headers of a trailers-only response).
/// </summary>
/// <remarks>
/// Cancelling (token, deadline, dispose) disposes the HTTP response, which resets the HTTP/2 stream; whatever
/// exception the transport then throws is reported as CANCELLED or DEADLINE_EXCEEDED, never as a transport error.
/// </remarks>
internal sealed class ClientCall<TRequest, TResponse> : IAsyncStreamReader<TResponse>, IClientStreamWriter<TRequest>, IDisposable
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly GrpcChannel _channel;
    private readonly GrpcMethod<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly string? _compression;
    private readonly CancellationTokenSource _cts = new();
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private readonly List<CancellationTokenRegistration> _registrations = [];
    private PushStreamContent? _requestContent;
    private Task<bool>? _responseStarted;
    private HttpResponseMessage? _response;
    private GrpcMessageReader? _reader;
    private Status? _status;
    private Metadata? _trailers;
    private TResponse? _current;
    private volatile bool _deadlineExceeded;
    private int _writePending;
    private bool _writesCompleted;

    public ClientCall(GrpcChannel channel, GrpcMethod<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        var compression = options.Compression ?? channel.Options.RequestCompression;
        _compression = compression is null or GrpcCompression.Identity ? null : compression;
        if (_compression is not null && !GrpcCompression.IsSupported(_compression))
            throw new ArgumentException($"Unsupported request compression '{_compression}'.");
        if (options.Deadline is { } deadline)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (remaining < MaxTimerDelay)
                _deadlineCts = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    /// <summary>Sends the request headers, and the request message for unary and server-streaming calls.</summary>
    public void Start(TRequest? request)
    {
        var http = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        AddRequestHeaders(http);
        if (request is null)
            http.Content = _requestContent = new PushStreamContent();
        else
            http.Content = new ReadOnlyMemoryContent(Frame(request));
        http.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);

        // Registered after the request exists: a token cancelled already must still cancel this call cleanly.
        if (_deadlineCts is not null)
            _registrations.Add(_deadlineCts.Token.Register(() => Cancel(deadline: true)));
        if (_options.CancellationToken.CanBeCanceled)
            _registrations.Add(_options.CancellationToken.Register(() => Cancel(deadline: false)));
        _responseStarted = ReceiveHeadersAsync(http);
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        if (!await _responseStarted!.ConfigureAwait(false))
            return ThrowIfFailed();
        if (FinalStatus is not null) return ThrowIfFailed();
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cts.Token)
            : null;
        TResponse? message;
        try
        {
            message = await _reader!.ReadMessageAsync(_method.ResponseParser, linked?.Token ?? _cts.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Fail(StatusFor(e, cancellationToken), null, e);
        }
        if (message is not null)
        {
            _current = message;
            return true;
        }
        Finish(StatusFromTrailers(), _trailers);
        return ThrowIfFailed();
    }

    /// <summary>The single response of a unary or client-streaming call.</summary>
    public async Task<TResponse> ReadSingleResponseAsync()
    {
        if (!await MoveNext().ConfigureAwait(false))
            throw Fail(new Status(StatusCode.Internal, "The server sent no response message."), null);
        var response = _current!;
        if (await MoveNext().ConfigureAwait(false))
            throw Fail(new Status(StatusCode.Internal, "The server sent more than one response message."), null);
        return response;
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_requestContent is null) throw new InvalidOperationException("This call has no request stream.");
        if (FinalStatus is { } status)
        {
            if (status.StatusCode != StatusCode.OK) throw new RpcException(status, _trailers);
            throw new InvalidOperationException("The call has already completed.");
        }
        if (_writesCompleted) throw new InvalidOperationException("The request stream has already been completed.");
        if (Interlocked.Exchange(ref _writePending, 1) == 1)
            throw new InvalidOperationException("Only one write may be pending at a time.");
        try
        {
            var frame = Frame(message);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cts.Token);
            var stream = await _requestContent.GetStreamAsync(linked.Token).ConfigureAwait(false);
            await stream.WriteAsync(frame, linked.Token).ConfigureAwait(false);
            await stream.FlushAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            if (FinalStatus is { } final && final.StatusCode != StatusCode.OK) throw new RpcException(final, _trailers, e);
            throw Fail(StatusFor(e, cancellationToken), null, e);
        }
        finally
        {
            Volatile.Write(ref _writePending, 0);
        }
    }

    public Task CompleteAsync()
    {
        _writesCompleted = true;
        _requestContent?.Complete();
        return Task.CompletedTask;
    }

    public Status GetStatus() =>
        FinalStatus ?? throw new InvalidOperationException("The call has not completed yet.");

    public Metadata GetTrailers()
    {
        lock (_gate)
            return _status is null
                ? throw new InvalidOperationException("The call has not completed yet.")
                : _trailers ?? new Metadata();
    }

    public void Dispose()
    {
        if (FinalStatus is null) Fail(new Status(StatusCode.Cancelled, "The call was disposed."), null);
        Release();
    }

    private Status? FinalStatus
    {
        get { lock (_gate) return _status; }
    }

    private async Task<bool> ReceiveHeadersAsync(HttpRequestMessage http)
    {
        HttpResponseMessage response;
        try
        {
            response = await _channel.Invoker.SendAsync(http, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Fail(StatusFor(e, CancellationToken.None), null, e);
        }
        lock (_gate)
        {
            if (_status is not null)
            {
                response.Dispose();
                throw new RpcException(_status.Value, _trailers);
            }
            _response = response;
        }
        var headers = ReadMetadata(response.Headers, response.Content.Headers);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var code = GrpcProtocol.FromHttpStatus((int)response.StatusCode);
            throw Fail(new Status(code, $"Bad gRPC response: HTTP status {(int)response.StatusCode}."), headers);
        }
        if (HeaderValue(response.Headers, GrpcProtocol.StatusHeader) is not null)
        {
            // Trailers-only: the headers block carried the status and no body follows.
            _headers.TrySetResult(headers);
            Finish(ParseStatus(response.Headers), headers);
            return false;
        }
        if (!GrpcProtocol.IsGrpcContentType(response.Content.Headers.ContentType?.ToString()))
            throw Fail(new Status(StatusCode.Internal,
                $"Bad gRPC response: content type '{response.Content.Headers.ContentType}'."), headers);
        _headers.TrySetResult(headers);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false);
            _reader = new GrpcMessageReader(PipeReader.Create(body), _channel.Options.MaxReceiveMessageSize,
                HeaderValue(response.Headers, GrpcProtocol.EncodingHeader), StatusCode.Internal);
        }
        catch (Exception e)
        {
            throw Fail(StatusFor(e, CancellationToken.None), null, e);
        }
        return true;
    }

    private void AddRequestHeaders(HttpRequestMessage http)
    {
        var headers = http.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("user-agent", _channel.Options.UserAgent);
        if (_options.Deadline is { } deadline)
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline.ToUniversalTime() - DateTime.UtcNow));
        if (_compression is not null) headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, _compression);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcCompression.AcceptEncoding);
        if (_channel.Options.BearerToken is { } token)
            headers.TryAddWithoutValidation(GrpcProtocol.AuthorizationHeader, "Bearer " + token);
        if (_options.Headers is { } metadata)
            foreach (var entry in metadata)
                headers.TryAddWithoutValidation(entry.Key, MetadataHeaders.EncodeValue(entry));
    }

    private ReadOnlyMemory<byte> Frame(TRequest message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        GrpcMessageWriter.Write(buffer, message, _compression, _channel.Options.MaxSendMessageSize);
        return buffer.WrittenMemory;
    }

    private Status StatusFromTrailers()
    {
        var response = _response!;
        _trailers = ReadMetadata(response.TrailingHeaders);
        return HeaderValue(response.TrailingHeaders, GrpcProtocol.StatusHeader) is null
            ? new Status(StatusCode.Internal, "The response ended without a grpc-status.")
            : ParseStatus(response.TrailingHeaders);
    }

    private static Status ParseStatus(HttpHeaders headers)
    {
        var text = HeaderValue(headers, GrpcProtocol.StatusHeader);
        var message = HeaderValue(headers, GrpcProtocol.MessageHeader);
        var detail = message is null ? "" : PercentEncoding.Decode(message);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? new Status((StatusCode)code, detail)
            : new Status(StatusCode.Unknown, $"Invalid grpc-status '{text}'. {detail}".TrimEnd());
    }

    private static string? HeaderValue(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static Metadata ReadMetadata(params HttpHeaders[] sources)
    {
        var metadata = new Metadata();
        foreach (var headers in sources)
            foreach (var (name, values) in headers.NonValidated)
                foreach (var value in values)
                    MetadataHeaders.AddReceived(metadata, name, value);
        return metadata;
    }

    /// <summary>The status that explains a failure: local cancellation wins over whatever the transport reports.</summary>
    private Status StatusFor(Exception e, CancellationToken readToken)
    {
        if (e is RpcException rpc) return rpc.Status;
        if (_deadlineExceeded) return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        if (_cts.IsCancellationRequested || readToken.IsCancellationRequested)
            return new Status(StatusCode.Cancelled, "The call was cancelled by the client.");
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is HttpProtocolException protocol)
                return new Status(GrpcProtocol.FromHttp2ErrorCode(protocol.ErrorCode), $"HTTP/2 stream error: {protocol.Message}");
        return e switch
        {
            HttpRequestException or IOException => new Status(StatusCode.Unavailable, $"Transport failure: {e.Message}"),
            OperationCanceledException => new Status(StatusCode.Cancelled, "The call was cancelled."),
            _ => new Status(StatusCode.Internal, $"Unexpected client error: {e.GetType().Name}: {e.Message}"),
        };
    }

    private bool ThrowIfFailed()
    {
        var status = GetStatus();
        if (status.StatusCode != StatusCode.OK) throw new RpcException(status, GetTrailers());
        return false;
    }

    private void Cancel(bool deadline)
    {
        if (deadline) _deadlineExceeded = true;
        var status = deadline
            ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")
            : new Status(StatusCode.Cancelled, "The call was cancelled by the client.");
        Fail(status, null);
    }

    /// <summary>Records the first final status, aborts the HTTP/2 stream if it is still open, and returns the exception to throw.</summary>
    private RpcException Fail(Status status, Metadata? trailers, Exception? cause = null)
    {
        if (status.StatusCode == StatusCode.OK)
            status = new Status(StatusCode.Internal, "The call failed without a status.");
        bool first;
        lock (_gate)
        {
            first = _status is null;
            if (first)
            {
                _status = status;
                _trailers = trailers ?? new Metadata();
            }
            else
            {
                status = _status!.Value;
                trailers = _trailers;
            }
        }
        var exception = new RpcException(status, trailers, cause);
        if (first)
        {
            _headers.TrySetException(exception);
            _ = _headers.Task.Exception; // observed: callers that never ask for headers must not trip unobserved-task handlers
            Abort();
        }
        return exception;
    }

    private void Finish(Status status, Metadata? trailers)
    {
        lock (_gate)
        {
            if (_status is not null) return;
            _status = status;
            _trailers = trailers ?? new Metadata();
        }
        Release();
    }

    private void Abort()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        Release();
    }

    private void Release()
    {
        _requestContent?.Abort();
        HttpResponseMessage? response;
        lock (_gate) response = _response;
        response?.Dispose();
        foreach (var registration in _registrations) registration.Dispose();
        // A fired deadline has no timer left to free, and disposing inside its own callback is unsafe.
        if (_deadlineCts is { IsCancellationRequested: false }) _deadlineCts.Dispose();
    }
}
