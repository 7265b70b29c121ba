using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Training;

/// <summary>
/// A small test architecture (the real five live in src/Trainer/Networks): every input stacked per position →
/// Conv1d → BatchNorm → ReLU → Dropout → global max pool → Linear. It has buffers (running statistics) and dropout
/// (the libtorch generator): what resuming must restore.
/// </summary>
internal sealed class TinyCnnArchitecture : GraphArchitecture
{
    public const string ArchitectureName = "tiny-cnn";

    public override string Name => ArchitectureName;

    public override string Description => "test network: conv, batch norm, dropout, global max pool, linear";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
    [
        HyperparameterSpec.Int("filters", 16, "convolution filters"),
        HyperparameterSpec.Int("kernel", 9, "convolution kernel"),
        HyperparameterSpec.Dropout("dropout", 0.1, "dropout after the convolution"),
    ];

    public override TrainingDefaults Training { get; } = new() { LearningRate = 0.01, BatchSize = 64, Epochs = 5, Loss = LossKind.Bce };

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var b = new GraphBuilder();
        var x = StackInputs(b, shape);
        x = b.Conv1d(x, "conv", hp.Int("filters"), hp.Int("kernel"), ConvPadding.Same);
        x = b.BatchNorm(x, "bn");
        x = b.Relu(x);
        x = b.Dropout(x, hp.Number("dropout"));
        x = b.Reduce(x, ReduceOp.Max, 2);
        x = b.Linear(x, "dense", shape.Tasks);
        return b.Build(x);
    }
}
