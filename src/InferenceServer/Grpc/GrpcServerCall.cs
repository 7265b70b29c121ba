using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RbpPipeline.Grpc;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>
/// The state of one call on the server: request reading, response writing (headers once, messages, then
/// status), and the ways a call can end early (client cancel, deadline, server shutdown).
/// </summary>
/// <remarks>
/// Whether any message or header was sent is tracked here, not taken from <c>Response.HasStarted</c>: a call
/// that sent nothing must end with a trailers-only response (status in the one HEADERS block).
/// A deadline or shutdown completes the response at once, under the write lock, even while the handler still
/// runs; the handler's later writes fail as cancelled.
/// </remarks>
internal sealed class GrpcServerCall : ServerCallContext
{
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _cts = new();
    private readonly GrpcMessageReader _reader;
    private readonly string? _acceptEncoding;
    private readonly object _gate = new();
    private CancellationTokenSource? _deadlineCts;
    private readonly List<CancellationTokenRegistration> _registrations = [];
    private Status? _abortStatus;
    private Task _abortCompletion = Task.CompletedTask;
    private bool _headersSent;
    private bool _completed;

    public GrpcServerCall(HttpContext http, string method, GrpcServerOptions options, ILogger logger,
        string? requestEncoding, DateTime deadline)
    {
        _http = http;
        _options = options;
        _logger = logger;
        Method = method;
        Deadline = deadline;
        _acceptEncoding = http.Request.Headers[GrpcProtocol.AcceptEncodingHeader].ToString();
        _reader = new GrpcMessageReader(http.Request.BodyReader, options.MaxReceiveMessageSize, requestEncoding,
            StatusCode.InvalidArgument);
        ResponseCompression = options.ResponseCompression ?? (requestEncoding is GrpcCompression.Identity ? null : requestEncoding);
        RequestHeaders = ReadRequestHeaders(http.Request.Headers);
    }

    public override string Method { get; }

    public override string Host => _http.Request.Host.Value ?? "";

    public override string Peer => FormatPeer(_http.Connection.RemoteIpAddress, _http.Connection.RemotePort);

    public override DateTime Deadline { get; }

    public override CancellationToken CancellationToken => _cts.Token;

    public override Metadata RequestHeaders { get; }

    public override Metadata ResponseTrailers { get; } = new();

    public override string? ResponseCompression { get; set; }

    public override HttpContext HttpContext => _http;

    /// <summary>The status an early end imposed (cancel, deadline, shutdown), if any.</summary>
    public Status? AbortStatus
    {
        get { lock (_gate) return _abortStatus; }
    }

    /// <summary>Arms the early ends. Separate from the constructor so that no callback sees a half-built call.</summary>
    public void Start(TimeSpan? timeout, CancellationToken serverStopping)
    {
        _registrations.Add(_http.RequestAborted.Register(
            () => Abort(new Status(StatusCode.Cancelled, "The client cancelled the call."), sendStatus: false)));
        if (timeout is { } t && t < MaxTimerDelay)
        {
            _deadlineCts = new CancellationTokenSource(t > TimeSpan.Zero ? t : TimeSpan.Zero);
            _registrations.Add(_deadlineCts.Token.Register(
                () => Abort(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), sendStatus: true)));
        }
        if (serverStopping.CanBeCanceled)
            _registrations.Add(serverStopping.Register(
                () => Abort(new Status(StatusCode.Unavailable, "The server is shutting down."), sendStatus: true)));
    }

    public async Task<T> ReadSingleRequestAsync<T>(MessageParser<T> parser) where T : class, IMessage<T>
    {
        var message = await ReadMessageAsync(parser, CancellationToken.None)
            ?? throw new RpcException(StatusCode.Internal, "The request message was not received.");
        if (await ReadMessageAsync(parser, CancellationToken.None) is not null)
            throw new RpcException(StatusCode.Internal, "Additional data after the request message.");
        return message;
    }

    public async Task<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cts.Token)
            : null;
        var token = linked?.Token ?? _cts.Token;
        try
        {
            return await _reader.ReadMessageAsync(parser, token);
        }
        catch (IOException e)
        {
            // A client reset reaches body reads as an IOException before RequestAborted fires.
            Abort(new Status(StatusCode.Cancelled, "The client reset the stream."), sendStatus: false);
            throw new OperationCanceledException("The client reset the stream.", e, _cts.Token);
        }
    }

    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        var size = message.CalculateSize();
        if (size > _options.MaxSendMessageSize)
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the limit of {_options.MaxSendMessageSize} bytes.");
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cts.Token)
            : null;
        var token = linked?.Token ?? _cts.Token;
        await _writeLock.WaitAsync(token);
        try
        {
            ThrowIfCompleted();
            var encoding = NegotiatedResponseEncoding();
            if (!_headersSent) SetResponseHeaders(null, encoding);
            var writer = _http.Response.BodyWriter;
            GrpcMessageWriter.Write(writer, message, encoding, int.MaxValue);
            var flush = await writer.FlushAsync(token);
            if (flush.IsCanceled || flush.IsCompleted) throw new OperationCanceledException(_cts.Token);
        }
        catch (IOException e)
        {
            Abort(new Status(StatusCode.Cancelled, "The client reset the stream."), sendStatus: false);
            throw new OperationCanceledException("The client reset the stream.", e, _cts.Token);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override async Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        await _writeLock.WaitAsync(_cts.Token);
        try
        {
            ThrowIfCompleted();
            if (_headersSent) throw new InvalidOperationException("Response headers can only be sent once per call.");
            SetResponseHeaders(responseHeaders, NegotiatedResponseEncoding());
            await _http.Response.StartAsync(_cts.Token);
            await _http.Response.BodyWriter.FlushAsync(_cts.Token);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the call with the handler's outcome, unless an early end already decided the status.</summary>
    public async Task FinishAsync(Status status, Metadata? trailers)
    {
        Task abortCompletion;
        lock (_gate)
        {
            if (_abortStatus is { } abort) status = abort;
            abortCompletion = _abortCompletion;
        }
        await abortCompletion;
        await CompleteAsync(status, trailers);
        foreach (var registration in _registrations) await registration.DisposeAsync();
        _deadlineCts?.Dispose();
        _cts.Dispose();
    }

    private void Abort(Status status, bool sendStatus)
    {
        lock (_gate)
        {
            if (_abortStatus is not null || _completed) return;
            _abortStatus = status;
            if (sendStatus) _abortCompletion = Task.Run(() => CompleteAsync(status, null));
        }
        _logger.LogDebug("gRPC call {Method} ended early: {Status}", Method, status);
        try
        {
            _cts.Cancel();
        }
        catch (AggregateException e)
        {
            _logger.LogWarning(e, "A cancellation callback of {Method} failed", Method);
        }
    }

    private async Task CompleteAsync(Status status, Metadata? trailers)
    {
        await _writeLock.WaitAsync();
        try
        {
            lock (_gate)
            {
                if (_completed) return;
                _completed = true;
            }
            if (_http.RequestAborted.IsCancellationRequested) return;
            var response = _http.Response;
            if (_headersSent)
            {
                foreach (var (name, value) in StatusFields(status, trailers)) response.AppendTrailer(name, value);
            }
            else
            {
                // Trailers-only: the status travels in the single HEADERS frame that also ends the stream.
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = GrpcProtocol.ContentType;
                response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompression.AcceptEncoding;
                foreach (var (name, value) in StatusFields(status, trailers)) response.Headers.Append(name, value);
                _headersSent = true;
            }
            await response.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            _logger.LogDebug(e, "Could not send the status of {Method} (the client has probably gone)", Method);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private IEnumerable<(string Name, string Value)> StatusFields(Status status, Metadata? trailers)
    {
        yield return (GrpcProtocol.StatusHeader, ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Detail))
            yield return (GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        foreach (var entry in ResponseTrailers) yield return (entry.Key, MetadataHeaders.EncodeValue(entry));
        if (trailers is not null && !ReferenceEquals(trailers, ResponseTrailers))
            foreach (var entry in trailers) yield return (entry.Key, MetadataHeaders.EncodeValue(entry));
    }

    private void SetResponseHeaders(Metadata? custom, string? encoding)
    {
        var response = _http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        if (encoding is not null) response.Headers[GrpcProtocol.EncodingHeader] = encoding;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompression.AcceptEncoding;
        if (custom is not null)
            foreach (var entry in custom) response.Headers.Append(entry.Key, MetadataHeaders.EncodeValue(entry));
        _headersSent = true;
    }

    private string? NegotiatedResponseEncoding()
    {
        var wanted = ResponseCompression;
        if (wanted is null or GrpcCompression.Identity) return null;
        if (!GrpcCompression.IsSupported(wanted))
            throw new InvalidOperationException($"Response compression '{wanted}' is not supported.");
        return GrpcCompression.Accepts(_acceptEncoding, wanted) ? wanted : null;
    }

    private void ThrowIfCompleted()
    {
        lock (_gate)
        {
            if (_completed || _abortStatus is not null)
                throw new OperationCanceledException("The call has already ended.", _cts.Token);
        }
    }

    private static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
            foreach (var value in values)
                if (value is not null) MetadataHeaders.AddReceived(metadata, name, value);
        return metadata;
    }

    private static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } when address.IsIPv4MappedToIPv6 =>
            $"ipv4:{address.MapToIPv4()}:{port}",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"ipv4:{address}:{port}",
    };
}
