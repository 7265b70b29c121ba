using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Networks.Models;

/// <summary>
/// ResidualBind (Koo, Majdandzic, Ploenzke, Anand &amp; Paul, "Global importance analysis", PLoS Comput Biol 2021).
/// <code>
/// inputs [N, C, L] (all inputs stacked per position)
///  → conv1 Conv1d C→96, k 11, 'same' → bn1 → ReLU → Dropout 0.1
///  → res: conv1 k3 d1 → bn1 → ReLU → conv2 k3 d2 → bn2 → ReLU → conv3 k3 d4 → bn3 → (+ module input) → ReLU
///  → Dropout 0.2 → AvgPool1d 10 (stride 10, floor) → Flatten [N, 96·⌊L/10⌋]
///  → dense 256 → bn_dense → ReLU → Dropout 0.5 → output Linear → tasks
/// </code>
/// Choices where the paper is silent: BatchNorm uses PyTorch's eps 1e-5 and momentum 0.1 (Keras' 1e-3/0.99 are
/// hyperparameters away); the residual sum is taken after bn3 and before the ReLU; extra inputs (region, structure)
/// are stacked onto the one-hot channels, so they must have the sequence's length. The state names are those of the
/// binding's sample model (tests/Torch.Tests/Models/ResidualBind.cs).
/// </summary>
public sealed class ResidualBind : GraphArchitecture
{
    public override string Name => ArchitectureKey.ResidualBind.Name;

    public override string Description => "ResidualBind (Koo et al. 2021): conv, dilated residual module, mean-pool, dense";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
    [
        HyperparameterSpec.Int("filters", 96, "filters of every convolution"),
        HyperparameterSpec.Int("kernel", 11, "kernel of the first convolution ('same' padding)"),
        HyperparameterSpec.Dropout("conv_dropout", 0.1, "dropout after the first convolution"),
        HyperparameterSpec.Int("res_kernel", 3, "kernel of the residual module's convolutions"),
        HyperparameterSpec.Ints("res_dilations", [1, 2, 4], "one residual convolution per dilation"),
        HyperparameterSpec.Dropout("res_dropout", 0.2, "dropout after the residual module"),
        HyperparameterSpec.Int("pool", 10, "average-pool window and stride"),
        HyperparameterSpec.Int("dense", 256, "units of the hidden dense layer"),
        HyperparameterSpec.Dropout("dense_dropout", 0.5, "dropout after the hidden dense layer"),
        HyperparameterSpec.Number("bn_eps", 1e-5, "BatchNorm epsilon", 1e-12),
        HyperparameterSpec.Number("bn_momentum", 0.1, "BatchNorm running-statistics momentum (PyTorch convention)", 0, 1),
    ];

    /// <summary>Adam 1e-3, batch 100, ≤ 100 epochs, LR ×0.3 after 7 flat epochs, early stop after 20; MSE (use bce for binary tasks).</summary>
    public override TrainingDefaults Training { get; } = new() { LearningRate = 1e-3, BatchSize = 100, Epochs = 100, EarlyStoppingPatience = 20, LrDecayFactor = 0.3, LrDecayPatience = 7, Loss = LossKind.Mse };

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var b = new GraphBuilder();
        var eps = hp.Number("bn_eps");
        var momentum = hp.Number("bn_momentum");
        var filters = hp.Int("filters");
        var x = StackInputs(b, shape);

        x = b.Conv1d(x, "conv1", filters, hp.Int("kernel"), ConvPadding.Same);
        x = b.BatchNorm(x, "bn1", eps, momentum);
        x = b.Relu(x);
        x = b.Dropout(x, hp.Number("conv_dropout"));

        var dilations = hp.Ints("res_dilations");
        var h = x;
        for (var i = 0; i < dilations.Length; i++)
        {
            h = b.Conv1d(h, $"res.conv{i + 1}", filters, hp.Int("res_kernel"), ConvPadding.Same, dilations[i]);
            h = b.BatchNorm(h, $"res.bn{i + 1}", eps, momentum);
            if (i < dilations.Length - 1) h = b.Relu(h);
        }
        x = b.Relu(b.Sum(h, x, "res.add"));
        x = b.Dropout(x, hp.Number("res_dropout"));

        x = b.AvgPool1d(x, hp.Int("pool"), name: "pool");
        x = b.Flatten(x);
        x = b.Linear(x, "dense", hp.Int("dense"));
        x = b.BatchNorm(x, "bn_dense", eps, momentum);
        x = b.Relu(x);
        x = b.Dropout(x, hp.Number("dense_dropout"));
        x = b.Linear(x, "output", shape.Tasks);
        return b.Build(x, "logits");
    }
}
