using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using RbpPipeline.Explorer;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Cli.Commands;

/// <summary>`rbp serve`: the inference server over a model repository (gRPC: rbp.v1, KServe v2, health, reflection).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var repo = new Option<DirectoryInfo>("--repo") { Description = "Model repository (<repo>/<model>/<version>/)", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var port = new Option<int>("--port") { Description = "gRPC port (0 picks a free one)", DefaultValueFactory = _ => 50051 };
        var host = new Option<string>("--host") { Description = "Interface to listen on (loopback by default; 0.0.0.0 for all)", DefaultValueFactory = _ => "127.0.0.1" };
        var cuda = new Option<bool>("--cuda") { Description = "Run models with ONNX Runtime's CUDA provider when available (CPU otherwise, with the reason logged)" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads per session (0: one per core)", DefaultValueFactory = _ => 0 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most rows per ONNX Runtime run (dynamic batching)", DefaultValueFactory = _ => 256 };
        var maxDelay = new Option<double>("--max-delay-ms") { Description = "How long a request waits for others to join its batch", DefaultValueFactory = _ => 2 };
        var workers = new Option<int>("--workers") { Description = "Concurrent ONNX Runtime runs per model version", DefaultValueFactory = _ => 1 };
        var maxSequences = new Option<int>("--max-sequences") { Description = "Most sequences in one unary request (RESOURCE_EXHAUSTED above)", DefaultValueFactory = _ => 8192 };
        var streamInFlight = new Option<int>("--stream-in-flight") { Description = "Requests of one PredictStream worked on at once", DefaultValueFactory = _ => 4 };
        var maxMessage = new Option<int>("--max-message-mb") { Description = "Largest request message in MiB", DefaultValueFactory = _ => 16 };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "TLS certificate (PEM with --tls-key, or .pfx)" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM private key of --tls-cert" };
        var token = new Option<string[]>("--token") { Description = "Accepted bearer token (repeatable); calls without one get UNAUTHENTICATED", AllowMultipleArgumentsPerToken = false };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = "File with accepted bearer tokens, one per line (keeps them out of the process list)" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve Prometheus /metrics over HTTP/1.1 on this port too (it is always on the gRPC port)" };
        var defaults = new InterpretationLimits();
        var maxSteps = new Option<int>("--max-ig-steps") { Description = "Most integrated-gradients steps per Attribute request (RESOURCE_EXHAUSTED above)", DefaultValueFactory = _ => defaults.MaxSteps };
        var maxSamples = new Option<int>("--max-baseline-samples") { Description = "Most shuffled baselines per sequence in an Attribute request", DefaultValueFactory = _ => defaults.MaxBaselineSamples };
        var maxBackgrounds = new Option<int>("--max-backgrounds") { Description = "Most background sequences of a GlobalImportance request", DefaultValueFactory = _ => defaults.MaxBackgrounds };
        var maxKmers = new Option<int>("--max-kmers") { Description = "Most k-mers (4^k) of a GlobalImportance k-mer scan", DefaultValueFactory = _ => defaults.MaxKmers };
        var maxEvaluations = new Option<long>("--max-evaluations") { Description = "Most model rows one interpretation request may evaluate (sequences × steps × baselines, backgrounds × conditions, …)", DefaultValueFactory = _ => defaults.MaxEvaluations };
        var logJson = new Option<bool>("--log-json") { Description = "Structured JSON logs (one object per line)" };
        var webPort = new Option<int>("--web-port") { Description = "Port of the web explorer (HTTP/1.1, HTTPS with --tls-cert; 0 picks a free one)", DefaultValueFactory = _ => new ExplorerOptions().Port };
        var noWeb = new Option<bool>("--no-web") { Description = "Do not serve the web explorer" };
        var referenceFasta = new Option<FileInfo?>("--reference-fasta") { Description = "Reference genome FASTA for the explorer's chrom:pos:ref:alt variants (.fai built next to it when missing)" };
        var command = new Command("serve", "Serve the models of a repository over gRPC (rbp.v1, KServe v2, health, reflection) and the web explorer")
        {
            repo, port, host, cuda, threads, maxBatch, maxDelay, workers, maxSequences, streamInFlight, maxMessage,
            tlsCert, tlsKey, token, tokenFile, metricsPort, maxSteps, maxSamples, maxBackgrounds, maxKmers, maxEvaluations, logJson,
            webPort, noWeb, referenceFasta,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryParseHost(parse.GetValue(host)!, out var address))
            {
                Console.Error.WriteLine($"--host: '{parse.GetValue(host)}' is not an IP address (or 'localhost')");
                return CliExitCodes.Usage;
            }
            var grpc = new GrpcServerOptions
            {
                Address = address,
                Port = parse.GetValue(port),
                CertificatePath = parse.GetValue(tlsCert)?.FullName,
                CertificateKeyPath = parse.GetValue(tlsKey)?.FullName,
                MaxReceiveMessageSize = checked(parse.GetValue(maxMessage) * 1024 * 1024),
            };
            foreach (var t in parse.GetValue(token) ?? []) grpc.BearerTokens.Add(t);
            if (parse.GetValue(tokenFile) is { } file)
                foreach (var line in await File.ReadAllLinesAsync(file.FullName, cancellationToken))
                    if (line.Trim() is { Length: > 0 } t) grpc.BearerTokens.Add(t);
            var serving = new ServingOptions
            {
                RepositoryPath = parse.GetValue(repo)!.FullName,
                ExecutionProvider = parse.GetValue(cuda) ? ExecutionProviderRequest.Cuda : ExecutionProviderRequest.Cpu,
                IntraOpThreads = parse.GetValue(threads),
                MaxBatchSize = parse.GetValue(maxBatch),
                MaxQueueDelay = TimeSpan.FromMilliseconds(parse.GetValue(maxDelay)),
                ExecutionWorkers = parse.GetValue(workers),
                MaxSequencesPerRequest = parse.GetValue(maxSequences),
                MaxStreamRequestsInFlight = parse.GetValue(streamInFlight),
                MetricsPort = parse.GetValue(metricsPort),
                Interpretation = new InterpretationLimits
                {
                    MaxSteps = parse.GetValue(maxSteps),
                    MaxBaselineSamples = parse.GetValue(maxSamples),
                    MaxBackgrounds = parse.GetValue(maxBackgrounds),
                    MaxKmers = parse.GetValue(maxKmers),
                    MaxEvaluations = parse.GetValue(maxEvaluations),
                },
            };
            foreach (var (name, value) in new (string, long)[] { ("--max-ig-steps", serving.Interpretation.MaxSteps),
                ("--max-baseline-samples", serving.Interpretation.MaxBaselineSamples), ("--max-backgrounds", serving.Interpretation.MaxBackgrounds),
                ("--max-kmers", serving.Interpretation.MaxKmers), ("--max-evaluations", serving.Interpretation.MaxEvaluations) })
            {
                if (value >= 1) continue;
                Console.Error.WriteLine($"{name}: {value} is not a limit; give 1 or more");
                return CliExitCodes.Usage;
            }
            if (parse.GetValue(referenceFasta) is { Exists: false } missingFasta)
            {
                Console.Error.WriteLine($"--reference-fasta: {missingFasta.FullName} does not exist");
                return CliExitCodes.Usage;
            }
            var json = parse.GetValue(logJson);
            using var explorer = parse.GetValue(noWeb) ? null : new WebExplorer(new ExplorerOptions
            {
                Port = parse.GetValue(webPort),
                ReferenceFastaPath = parse.GetValue(referenceFasta)?.FullName,
            });
            InferenceServerHost server;
            try
            {
                server = await InferenceServerHost.StartAsync(grpc, serving, logging =>
                {
                    logging.ClearProviders();
                    if (json) logging.AddJsonConsole(o => o.IncludeScopes = false);
                    else logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
                    logging.SetMinimumLevel(LogLevel.Information);
                    logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                    logging.AddFilter("Grpc", LogLevel.Warning); // grpc-dotnet logs every non-OK status; our interceptor logs calls with event ids
                    logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
                }, cancellationToken, extensions: explorer is null ? [] : [explorer]);
            }
            catch (IOException e) when (e.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                // Most often a second server on one host: both want the explorer's default port.
                Console.Error.WriteLine($"rbp serve: {e.Message} (gRPC --port {grpc.Port}" +
                    (explorer is null ? ")" : $", web explorer --web-port {parse.GetValue(webPort)}; choose free ports or pass --no-web)"));
                return CliExitCodes.Failure;
            }
            await using var serverScope = server;
            var logger = server.Services.GetService(typeof(ILoggerFactory)) is ILoggerFactory factory ? factory.CreateLogger("rbp.serve") : null;
            if (!IPAddress.IsLoopback(address) && grpc.CertificatePath is null)
                logger?.LogWarning("listening on {Address} without TLS: traffic (and any bearer token) is readable on the network", address);
            logger?.LogInformation("gRPC on {Address}{Tls}; metrics at {Metrics}; {Count} model version(s) from {Repo}",
                server.Address, grpc.CertificatePath is null ? "" : " (TLS)", new Uri(server.MetricsAddress ?? server.Address, "/metrics"),
                server.Repository.Versions.Count, serving.RepositoryPath);
            if (explorer?.Address is { } page)
                logger?.LogInformation("web explorer at {Page}{Token}", page, grpc.BearerTokens.Count > 0 ? " (enter a bearer token in the page)" : "");
            try
            {
                await server.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C reached System.CommandLine first: stop gracefully all the same.
            }
            await server.StopAsync(CancellationToken.None);
            return CliExitCodes.Success;
        });
        return command;
    }

    private static bool TryParseHost(string text, out IPAddress address)
    {
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase)) { address = IPAddress.Loopback; return true; }
        if (text is "*" or "+") { address = IPAddress.Any; return true; }
        return IPAddress.TryParse(text.Trim('[', ']'), out address!);
    }
}
