using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Networks.Models;

/// <summary>
/// Multi-resBind (Zhao &amp; Hamada, "Multi-resBind: a residual network-based multi-label classifier for
/// in vivo RNA binding prediction and preference visualization", BMC Bioinformatics 2021).
/// <code>
/// inputs [N, C, L] (sequence, region, structure — whichever the shape has — stacked per position)
///  → conv1 Conv1d C→96, k 11, 'same' → bn1 → ReLU                                   = x0
///  → block1: conv k3 d1 → bn → ReLU → Dropout 0.1
///  → block2: conv k3 d2 → bn → ReLU → Dropout 0.2
///  → block3: conv k3 d4 → bn → (+ x0, the skip from the first convolution) → ReLU → Dropout 0.5
///  → AvgPool1d 10, stride 10, valid → Flatten → dense Linear 256 → ReLU → output Linear → k logits
/// </code>
/// Weights are Glorot/Xavier-uniform with zero biases (the paper's Keras defaults); BatchNorm keeps PyTorch's
/// eps/momentum. Choices where the paper is silent: the residual blocks use ResidualBind's kernel 3 and dilations
/// 1, 2, 4 (one block per entry of res_dilations, one dropout per block in res_dropouts); the skip joins the last block
/// before its ReLU; no dropout after the dense layer by default (dense_dropout).
/// </summary>
public sealed class MultiResBind : GraphArchitecture
{
    public override string Name => ArchitectureKey.MultiResBind.Name;

    public override string Description => "Multi-resBind (Zhao et al. 2021): stacked inputs, residual blocks with a skip, multi-label output";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
    [
        HyperparameterSpec.Int("filters", 96, "filters of every convolution"),
        HyperparameterSpec.Int("kernel", 11, "kernel of the first convolution ('same' padding)"),
        HyperparameterSpec.Int("res_kernel", 3, "kernel of the residual blocks' convolutions ('same' padding)"),
        HyperparameterSpec.Ints("res_dilations", [1, 2, 4], "one residual block per dilation"),
        HyperparameterSpec.Dropouts("res_dropouts", [0.1, 0.2, 0.5], "dropout after each residual block (one per block)"),
        HyperparameterSpec.Int("pool", 10, "average-pool window and stride (valid)"),
        HyperparameterSpec.Int("dense", 256, "units of the hidden dense layer"),
        HyperparameterSpec.Dropout("dense_dropout", 0, "dropout after the hidden dense layer"),
        HyperparameterSpec.Choice("init", "xavier_uniform", ["xavier_uniform", "default"], "weight initialisation: Glorot uniform or PyTorch's default"),
        HyperparameterSpec.Number("bn_eps", 1e-5, "BatchNorm epsilon", 1e-12),
        HyperparameterSpec.Number("bn_momentum", 0.1, "BatchNorm running-statistics momentum (PyTorch convention)", 0, 1),
    ];

    /// <summary>Adam 1e-3, batch 128, 40 epochs, best epoch by validation loss (no early stop); BCE (weighted-bce for imbalanced tasks).</summary>
    public override TrainingDefaults Training { get; } = new() { LearningRate = 1e-3, BatchSize = 128, Epochs = 40, Loss = LossKind.Bce };

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var dilations = hp.Ints("res_dilations");
        var dropouts = hp.Numbers("res_dropouts");
        if (dilations.Length != dropouts.Length)
            throw new ArgumentException($"{Name}: res_dropouts needs one value per residual block ({dilations.Length}), got {dropouts.Length}");
        var init = hp.String("init") == "default" ? WeightInit.Default : WeightInit.XavierUniform;
        var eps = hp.Number("bn_eps");
        var momentum = hp.Number("bn_momentum");
        var filters = hp.Int("filters");
        var b = new GraphBuilder();
        var x = StackInputs(b, shape);

        x = b.Conv1d(x, "conv1", filters, hp.Int("kernel"), ConvPadding.Same, init: init);
        var x0 = b.Relu(b.BatchNorm(x, "bn1", eps, momentum));
        var h = x0;
        for (var i = 0; i < dilations.Length; i++)
        {
            var name = $"block{i + 1}";
            h = b.Conv1d(h, $"{name}.conv", filters, hp.Int("res_kernel"), ConvPadding.Same, dilations[i], init: init);
            h = b.BatchNorm(h, $"{name}.bn", eps, momentum);
            if (i == dilations.Length - 1) h = b.Sum(h, x0, $"{name}.skip");
            h = b.Relu(h);
            h = b.Dropout(h, dropouts[i]);
        }
        x = b.AvgPool1d(h, hp.Int("pool"), name: "pool");
        x = b.Flatten(x);
        x = b.Relu(b.Linear(x, "dense", hp.Int("dense"), init: init));
        x = b.Dropout(x, hp.Number("dense_dropout"));
        x = b.Linear(x, "output", shape.Tasks, init: init);
        return b.Build(x, "logits");
    }
}
