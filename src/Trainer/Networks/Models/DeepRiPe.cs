using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Networks.Models;

/// <summary>
/// DeepRiPe (Ghanbari &amp; Ohler, "Deep neural networks for interpreting RNA-binding protein target preferences",
/// Genome Research 2020).
/// <code>
/// sequence [N, 4, 150]  → seq_conv Conv1d 4→90, k 7, valid → ReLU → MaxPool1d 4 → Dropout 0.25      → [N, 90, 36] ─┐
/// region   [N, R, 250]  → region_conv Conv1d R→90, k 7, valid → ReLU → MaxPool1d 4 → Dropout 0.25   → [N, 90, 61] ─┤
///   Concat along the LENGTH axis → [N, 90, 97]
///   multitask = "conv": mt_conv Conv1d 90→100, k 5, valid → ReLU → MaxPool1d 2 → Dropout 0.25 → Flatten
///             | "gru":  Permute → mt_gru bidirectional GRU 60 → final states [N, 120] (or every step, flattened)
///   → dense Linear 250 → ReLU → Dropout 0.25 → output Linear → k logits (sigmoid at inference)
/// </code>
/// Choices: the sequence and region feature maps have different lengths (the inputs do), so they are joined along
/// the length axis — one feature sequence of both modules' positions — rather than pooled to a common length; the
/// multitask module then scans across that joint sequence. Every input other than "sequence" gets its own module
/// ("{input}_conv", with the region_* hyperparameters), joined in input order; with the sequence alone the network
/// is the sequence-only variant. Pool sizes, dropouts and the GRU reduction are hyperparameters.
/// </summary>
public sealed class DeepRiPe : GraphArchitecture
{
    public override string Name => ArchitectureKey.DeepRiPe.Name;

    public override string Description => "DeepRiPe (Ghanbari & Ohler 2020): sequence and region modules, multitask conv or BiGRU";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
    [
        HyperparameterSpec.Int("filters", 90, "filters of the sequence module"),
        HyperparameterSpec.Int("kernel", 7, "kernel of the sequence module (valid padding)"),
        HyperparameterSpec.Int("pool", 4, "max-pool window and stride of the sequence module"),
        HyperparameterSpec.Int("region_filters", 90, "filters of each region (non-sequence) module"),
        HyperparameterSpec.Int("region_kernel", 7, "kernel of each region module (valid padding)"),
        HyperparameterSpec.Int("region_pool", 4, "max-pool window and stride of each region module"),
        HyperparameterSpec.Dropout("conv_dropout", 0.25, "dropout after the sequence and region modules"),
        HyperparameterSpec.Choice("multitask", "conv", ["conv", "gru"], "multitask module: a convolution or a bidirectional GRU"),
        HyperparameterSpec.Int("mt_filters", 100, "filters of the multitask convolution"),
        HyperparameterSpec.Int("mt_kernel", 5, "kernel of the multitask convolution (valid padding)"),
        HyperparameterSpec.Int("mt_pool", 2, "max-pool window and stride after the multitask convolution (1: none)"),
        HyperparameterSpec.Int("gru_hidden", 60, "units per direction of the multitask GRU"),
        HyperparameterSpec.Choice("gru_output", "final", ["final", "sequence"], "GRU reduction: final states of both directions, or every step flattened"),
        HyperparameterSpec.Dropout("mt_dropout", 0.25, "dropout after the multitask module"),
        HyperparameterSpec.Int("dense", 250, "units of the hidden dense layer"),
        HyperparameterSpec.Dropout("dense_dropout", 0.25, "dropout after the hidden dense layer"),
    ];

    /// <summary>Adam 1e-3, batch 128, 20 epochs, early stopping on validation loss (patience 5); weighted multi-task BCE.</summary>
    public override TrainingDefaults Training { get; } = new() { LearningRate = 1e-3, BatchSize = 128, Epochs = 20, EarlyStoppingPatience = 5, Loss = LossKind.WeightedBce };

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var inputs = SequenceInputs(shape);
        var sequence = shape.Input("sequence");
        var b = new GraphBuilder();
        var ids = inputs.ToDictionary(i => i.Name, b.Input);
        var dropout = hp.Number("conv_dropout");

        List<NodeHandle> modules = [Module(b, ids[sequence.Name], "seq", hp.Int("filters"), hp.Int("kernel"), hp.Int("pool"), dropout)];
        foreach (var input in inputs.Where(i => i.Name != sequence.Name))
            modules.Add(Module(b, ids[input.Name], input.Name, hp.Int("region_filters"), hp.Int("region_kernel"), hp.Int("region_pool"), dropout));
        if (modules.Select(m => b.Shape(m)[1]).Distinct().Count() > 1)
            throw new ArgumentException($"{Name} joins its modules along the length axis, so filters and region_filters must be equal ({hp.Int("filters")} ≠ {hp.Int("region_filters")})");
        var x = b.Concat(2, modules, "join");

        if (hp.String("multitask") == "conv")
        {
            x = b.Relu(b.Conv1d(x, "mt_conv", hp.Int("mt_filters"), hp.Int("mt_kernel"), ConvPadding.Valid));
            if (hp.Int("mt_pool") > 1) x = b.MaxPool1d(x, hp.Int("mt_pool"), name: "mt_pool");
            x = b.Dropout(x, hp.Number("mt_dropout"));
            x = b.Flatten(x);
        }
        else
        {
            x = b.Permute(x, [0, 2, 1], "to_time_major");
            var final = hp.String("gru_output") == "final";
            x = b.Recurrent(x, "mt_gru", RecurrentCell.Gru, hp.Int("gru_hidden"), 1, true, final ? RecurrentOutput.FinalStates : RecurrentOutput.Sequence);
            x = b.Dropout(x, hp.Number("mt_dropout"));
            if (!final) x = b.Flatten(x);
        }
        x = b.Relu(b.Linear(x, "dense", hp.Int("dense")));
        x = b.Dropout(x, hp.Number("dense_dropout"));
        x = b.Linear(x, "output", shape.Tasks);
        return b.Build(x, "logits");
    }

    private static NodeHandle Module(GraphBuilder b, NodeHandle x, string prefix, int filters, int kernel, int pool, double dropout)
    {
        x = b.Relu(b.Conv1d(x, $"{prefix}_conv", filters, kernel, ConvPadding.Valid));
        x = b.MaxPool1d(x, pool, name: $"{prefix}_pool");
        return b.Dropout(x, dropout);
    }
}
