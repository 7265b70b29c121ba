using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Networks.Models;

/// <summary>
/// iDeepS (Pan &amp; Shen, "Predicting RNA-protein binding sites and motifs through combining local and context
/// information with convolutional neural networks", Bioinformatics 2018).
/// <code>
/// sequence [N, 4, L]      → seq_conv Conv1d 4→16, k 10, valid → ReLU → MaxPool1d 3 → Dropout 0.25 ─┐
/// other inputs [N, C', L] → struct_conv Conv1d C'→16, k 10, valid → ReLU → MaxPool1d 3 → Dropout 0.25 ┤ Concat (channels)
///   → Permute to [N, T, 32] → lstm: bidirectional LSTM, hidden 32, final states → [N, 64] → Dropout 0.1
///   → dense Linear 32 → ReLU → Dropout 0.5 → output Linear → tasks
/// </code>
/// Choices where the paper is silent or this port differs: pooling 3 and dropout 0.25 per branch (configurable);
/// the branches are merged on the channel axis and the LSTM reads the merged map position by position; the
/// bidirectional LSTM is reduced to its final states (forward after the last step, backward after the first — Keras'
/// Bidirectional without return_sequences); one logit per task instead of the original 2-way softmax (equivalent for
/// binary tasks under BCE). The final-state reduction must carry a site's signal from where it is to the sequence
/// ends, which learns slowly on long inputs (a 101-nt CLIP-like set stayed at chance for 6 epochs where 41 nt learned
/// in 3); lstm_output "sequence" flattens every step instead. Every input other than "sequence" (structure profile, region flags, …) is stacked into the
/// structure branch; without such inputs the network is the sequence-only variant. All inputs must share one length.
/// </summary>
public sealed class IDeepS : GraphArchitecture
{
    public override string Name => ArchitectureKey.IDeepS.Name;

    public override string Description => "iDeepS (Pan & Shen 2018): sequence and structure CNNs, bidirectional LSTM";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
    [
        HyperparameterSpec.Int("filters", 16, "filters of each branch's convolution"),
        HyperparameterSpec.Int("kernel", 10, "kernel of each branch's convolution (valid padding)"),
        HyperparameterSpec.Int("pool", 3, "max-pool window and stride of each branch"),
        HyperparameterSpec.Dropout("conv_dropout", 0.25, "dropout after each branch"),
        HyperparameterSpec.Int("lstm_hidden", 32, "hidden units per direction of the LSTM"),
        HyperparameterSpec.Int("lstm_layers", 1, "stacked LSTM layers"),
        HyperparameterSpec.Bool("bidirectional", true, "bidirectional LSTM"),
        HyperparameterSpec.Choice("lstm_output", "final", ["final", "sequence"], "LSTM reduction: final states of each direction, or every step flattened"),
        HyperparameterSpec.Dropout("lstm_dropout", 0.1, "dropout after the LSTM"),
        HyperparameterSpec.Int("dense", 32, "units of the hidden dense layer (0: none)", 0),
        HyperparameterSpec.Dropout("dense_dropout", 0.5, "dropout after the hidden dense layer"),
    ];

    /// <summary>RMSprop 1e-3, batch 50, ≤ 30 epochs, early stop after 5 flat epochs; BCE.</summary>
    public override TrainingDefaults Training { get; } = new() { Optimizer = OptimizerKind.RmsProp, LearningRate = 1e-3, BatchSize = 50, Epochs = 30, EarlyStoppingPatience = 5, Loss = LossKind.Bce };

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var inputs = SequenceInputs(shape);
        var sequence = shape.Input("sequence");
        if (inputs.Any(i => i.Length != sequence.Length))
            throw new ArgumentException($"{Name} merges its branches position by position, so all inputs need the sequence's length; got {Describe(shape)}");
        var b = new GraphBuilder();
        var ids = inputs.ToDictionary(i => i.Name, b.Input);
        var others = inputs.Where(i => i.Name != sequence.Name).Select(i => ids[i.Name]).ToList();

        List<NodeHandle> branches = [Branch(b, hp, ids[sequence.Name], "seq")];
        if (others.Count > 0) branches.Add(Branch(b, hp, b.Concat(1, others, "struct_inputs"), "struct"));
        var x = b.Concat(1, branches, "merge");

        x = b.Permute(x, [0, 2, 1], "to_time_major");
        var final = hp.String("lstm_output") == "final";
        x = b.Recurrent(x, "lstm", RecurrentCell.Lstm, hp.Int("lstm_hidden"), hp.Int("lstm_layers"), hp.Bool("bidirectional"),
            final ? RecurrentOutput.FinalStates : RecurrentOutput.Sequence);
        x = b.Dropout(x, hp.Number("lstm_dropout"));
        if (!final) x = b.Flatten(x);
        if (hp.Int("dense") > 0)
        {
            x = b.Relu(b.Linear(x, "dense", hp.Int("dense")));
            x = b.Dropout(x, hp.Number("dense_dropout"));
        }
        x = b.Linear(x, "output", shape.Tasks);
        return b.Build(x, "logits");
    }

    private static NodeHandle Branch(GraphBuilder b, Hyperparameters hp, NodeHandle x, string prefix)
    {
        x = b.Conv1d(x, $"{prefix}_conv", hp.Int("filters"), hp.Int("kernel"), ConvPadding.Valid);
        x = b.Relu(x);
        x = b.MaxPool1d(x, hp.Int("pool"), name: $"{prefix}_pool");
        return b.Dropout(x, hp.Number("conv_dropout"));
    }
}
