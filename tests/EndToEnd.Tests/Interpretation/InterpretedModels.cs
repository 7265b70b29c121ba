using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.EndToEnd.Tests.Interpretation;

/// <summary>
/// Two models trained once for every interpretation test on the Trainer's synthetic data with planted truth, then
/// exported, published and served: <c>clip</c> (binary, PUM2 sites UGUAHAUA near the centre of positives, 101 nt) and
/// <c>affinity</c> (regression, additive PUM2 and QKI site effects, 41 nt).
/// </summary>
public sealed class InterpretedModels : IAsyncLifetime
{
    public const string Clip = "interp-clip";
    public const string Affinity = "interp-affinity";

    private const string PipelineYaml = """
        version: 1
        seed: 11
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip:
            format: fasta
            task: binary
            tasks: [PUM2]
            train: clip-like/train.fa.gz
            test: clip-like/test.fa.gz
            validation_fraction: 0.1
          affinity:
            format: rnacompete
            tasks: [score]
            train: rnacompete-like/train.txt.gz
            test: rnacompete-like/test.txt.gz
            validation_fraction: 0.1
        models:
          interp-clip:
            architecture: residualbind
            dataset: clip
            hyperparameters: { filters: 24, dense: 32 }
            encoding: { length: 101, policy: centre }
            training: { epochs: 5, batch_size: 64, learning_rate: 0.003, loss: bce, monitor: auroc }
          interp-affinity:
            architecture: residualbind
            dataset: affinity
            hyperparameters: { filters: 24, dense: 32 }
            encoding: { length: 41, policy: centre }
            training: { epochs: 6, batch_size: 100, learning_rate: 0.003, loss: mse, monitor: pearson }
        """;

    private readonly TempFolder _work = new("rbp-interp");
    private InferenceServerHost? _host;
    private ServerConnection? _server;

    public string Folder => _work.Path;

    public ServerConnection Server => _server ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>The served address, for clients in other processes (the CLI).</summary>
    public string ServerAddress => _host?.Address.ToString() ?? throw new InvalidOperationException("the fixture has not started");

    public InterpretationService.InterpretationServiceClient Interpretation => Server.Interpretation;

    public ModelService.ModelServiceClient Models => Server.Models;

    /// <summary>The served model repository, for servers in other processes.</summary>
    public string Repository => _work.File("models");

    public Checkpoint OpenCheckpoint(string model) => Checkpoint.Open(_work.File(Path.Combine("runs", model, "checkpoint")));

    /// <summary>Held-out CLIP-like test records (the first of them carry the planted site near the centre when positive).</summary>
    public IReadOnlyList<SequenceRecord> ClipTest { get; private set; } = [];

    public IReadOnlyList<SequenceRecord> AffinityTest { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        DefaultDataWriter.Write(_work.File("data"), DefaultDataSets.Generate(seed: 21, scale: 0.3), seed: 21);
        var yaml = _work.File("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, PipelineYaml);
        var config = PipelineLoader.Load(yaml, ArchitectureCatalog.Default);
        var runner = new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), TextWriter.Null);
        var outcomes = await runner.RunAsync(config, new PipelineRunOptions { OutputRoot = _work.File("runs"), Threads = 2 }, CancellationToken.None);
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString())); // a failed model no longer throws
        ClipTest = [.. FastaReader.Read(_work.File(Path.Combine("data", "clip-like", "test.fa.gz")))];
        AffinityTest = [.. ScoreSequenceReader.Read(_work.File(Path.Combine("data", "rnacompete-like", "test.txt.gz")))];
        _host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = _work.File("models"), WatchRepository = false },
            logging => logging.ClearProviders(), CancellationToken.None);
        _server = ServerConnection.Open(new ServerOptions { Servers = [_host.Address.ToString()], MaxReceiveMessageSize = 256 * 1024 * 1024 });
    }

    public async ValueTask DisposeAsync()
    {
        _server?.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        _work.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class InterpretedModelsCollection : ICollectionFixture<InterpretedModels>
{
    public const string Name = "interpreted models";
}
