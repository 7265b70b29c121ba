using RbpPipeline.Contracts.Labels;
using TorchSharp;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Networks.Models;

/// <summary>
/// The networks of RBP-ADDA (adversarial discriminative domain adaptation of RNAcompete-trained models to in-vivo
/// data). Three parts, each an architecture of its own, plus the composite used for plain training and export:
/// <code>
/// rbpadda-encoder: inputs [N, C, L] stacked per position → Unsqueeze → [N, 1, C, L] → Permute → [N, 1, L, C]
///   → conv1 Conv2d 1→32, kernel 4×C (the one-hot as a 1-channel L×4 image: 4×4) → ReLU
///   → conv2 Conv2d 32→32, kernel 4×1 → ReLU → Flatten [N, 32·(L−6)]
///   → fc1 Linear 128 → ReLU → fc2 Linear 64 → ReLU = features [N, 64]
/// rbpadda-predictor:     features [N, 64] → fc1 Linear 32 → ReLU → fc2 Linear → tasks (one score)
/// rbpadda-discriminator: features [N, 64] → fc1 Linear 32 → ReLU → fc2 Linear 1 (domain logit; hidden 0: one Linear)
/// rbpadda:               encoder.* then predictor.* in one graph (source path Ms+T or target path Mt+T)
/// </code>
/// Choices: valid convolutions without pooling; the first kernel spans all channels (4 for the one-hot, so 4×4 as in
/// the paper; extra tracks widen it); ReLU after every hidden layer including the 64-unit feature layer; the
/// discriminator is a one-hidden-layer MLP (64 → 32 → 1) rather than a single linear map, configurable through
/// discriminator_hidden. The encoder's output width is its "features" hyperparameter and the shape's task count must
/// equal it; the predictor and discriminator read their input width from their "features" vector input.
/// </summary>
public static class RbpAddaParts
{
    public const string FeaturesInput = "features";

    internal static readonly TrainingDefaults Training =
        new() { LearningRate = 1e-3, BatchSize = 256, Epochs = 50, EarlyStoppingPatience = 10, Loss = LossKind.Mse, LabelTransforms = [LabelTransformSpec.MinMax] };

    internal static IReadOnlyList<HyperparameterSpec> EncoderSpecs { get; } =
    [
        HyperparameterSpec.Int("conv_filters", 32, "filters of both convolutions"),
        HyperparameterSpec.Int("conv1_kernel", 4, "height (positions) of the first kernel; its width is all channels"),
        HyperparameterSpec.Int("conv2_kernel", 4, "height of the second kernel (width 1)"),
        HyperparameterSpec.Int("dense1", 128, "units of the first dense layer"),
        HyperparameterSpec.Int("features", 64, "units of the second dense layer: the feature vector"),
    ];

    internal static HyperparameterSpec PredictorHidden { get; } = HyperparameterSpec.Int("predictor_hidden", 32, "hidden units of the predictor (0: a single Linear)", 0);

    internal static NetworkGraph Encoder(GraphArchitecture arch, NetworkShape shape, Hyperparameters hp, Func<GraphBuilder, NodeHandle> stack)
    {
        var b = new GraphBuilder();
        var x = stack(b);
        var channels = (int)b.Shape(x)[1];
        x = b.Unsqueeze(x, 1);
        x = b.Permute(x, [0, 1, 3, 2], "to_image");
        x = b.Relu(b.Conv2d(x, "conv1", hp.Int("conv_filters"), hp.Int("conv1_kernel"), channels));
        x = b.Relu(b.Conv2d(x, "conv2", hp.Int("conv_filters"), hp.Int("conv2_kernel"), 1));
        x = b.Flatten(x);
        x = b.Relu(b.Linear(x, "fc1", hp.Int("dense1")));
        x = b.Relu(b.Linear(x, "fc2", hp.Int("features")));
        if (shape.Tasks != hp.Int("features"))
            throw new ArgumentException($"{arch.Name}: the encoder outputs {hp.Int("features")} features, so its shape needs tasks = {hp.Int("features")} (got {shape.Tasks})");
        return b.Build(x, FeaturesInput);
    }

    internal static NetworkGraph Head(GraphArchitecture arch, NetworkShape shape, int hidden, int outputs)
    {
        if (shape.Inputs.Count != 1 || !shape.Inputs[0].IsVector || shape.Inputs[0].Name != FeaturesInput)
            throw new ArgumentException($"{arch.Name} takes one feature vector input '{FeaturesInput}' [N, F] (NetworkInput.Vector), got {string.Join(", ", shape.Inputs)}");
        var b = new GraphBuilder();
        var x = b.Input(shape.Inputs[0]);
        if (hidden > 0) x = b.Relu(b.Linear(x, "fc1", hidden));
        x = b.Linear(x, hidden > 0 ? "fc2" : "fc1", outputs);
        return b.Build(x, "logits");
    }

    /// <summary>
    /// The composite's state dict from an encoder's and a predictor's (e.g. the target encoder Mt and the source
    /// predictor T): their names prefixed with "encoder." and "predictor.". The tensors are the given handles.
    /// </summary>
    public static Dictionary<string, torch.Tensor> ComposeState(IReadOnlyDictionary<string, torch.Tensor> encoder,
        IReadOnlyDictionary<string, torch.Tensor> predictor)
    {
        var state = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in encoder) state[$"encoder.{name}"] = t;
        foreach (var (name, t) in predictor) state[$"predictor.{name}"] = t;
        return state;
    }

    /// <summary>The part of a composite state dict under "<paramref name="part"/>." with the prefix removed.</summary>
    public static Dictionary<string, torch.Tensor> PartState(IReadOnlyDictionary<string, torch.Tensor> composite, string part) =>
        composite.Where(kv => kv.Key.StartsWith(part + ".", StringComparison.Ordinal))
                 .ToDictionary(kv => kv.Key[(part.Length + 1)..], kv => kv.Value, StringComparer.Ordinal);
}

/// <summary>RBP-ADDA's feature encoder (see <see cref="RbpAddaParts"/>); output [N, features].</summary>
public sealed class RbpAddaEncoder : GraphArchitecture
{
    public override string Name => ArchitectureKey.RbpAddaEncoder.Name;

    public override string Description => "RBP-ADDA encoder: two convolutions on the one-hot image, two dense layers";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs => RbpAddaParts.EncoderSpecs;

    public override TrainingDefaults Training => RbpAddaParts.Training;

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp) =>
        RbpAddaParts.Encoder(this, shape, hp, b => StackInputs(b, shape));
}

/// <summary>RBP-ADDA's predictor T: features → score(s) (see <see cref="RbpAddaParts"/>).</summary>
public sealed class RbpAddaPredictor : GraphArchitecture
{
    public override string Name => ArchitectureKey.RbpAddaPredictor.Name;

    public override string Description => "RBP-ADDA predictor: features 64 → 32 → 1";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } = [RbpAddaParts.PredictorHidden];

    public override TrainingDefaults Training => RbpAddaParts.Training;

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp) =>
        RbpAddaParts.Head(this, shape, hp.Int("predictor_hidden"), shape.Tasks);
}

/// <summary>RBP-ADDA's domain discriminator D: features → one logit (source vs target); see <see cref="RbpAddaParts"/>.</summary>
public sealed class RbpAddaDiscriminator : GraphArchitecture
{
    public override string Name => ArchitectureKey.RbpAddaDiscriminator.Name;

    public override string Description => "RBP-ADDA discriminator: features 64 → 32 → 1 domain logit";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
        [HyperparameterSpec.Int("discriminator_hidden", 32, "hidden units of the discriminator (0: a single Linear)", 0)];

    public override TrainingDefaults Training { get; } = RbpAddaParts.Training with { Loss = LossKind.Bce, LabelTransforms = null };

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        if (shape.Tasks != 1) throw new ArgumentException($"{Name} has one output (the domain logit), got tasks = {shape.Tasks}");
        return RbpAddaParts.Head(this, shape, hp.Int("discriminator_hidden"), 1);
    }
}

/// <summary>
/// RBP-ADDA's encoder and predictor as one network (state names "encoder.*" and "predictor.*"): what is trained on the
/// source domain first and what is exported as Ms+T or Mt+T. Build a composite from two trained parts with
/// <see cref="RbpAddaParts.ComposeState"/> and <c>Module.load_state_dict</c>.
/// </summary>
public sealed class RbpAdda : GraphArchitecture
{
    private readonly RbpAddaEncoder _encoder = new();
    private readonly RbpAddaPredictor _predictor = new();

    public override string Name => ArchitectureKey.RbpAdda.Name;

    public override string Description => "RBP-ADDA encoder + predictor as one network";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } = [.. RbpAddaParts.EncoderSpecs, RbpAddaParts.PredictorHidden];

    public override TrainingDefaults Training => RbpAddaParts.Training;

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var features = hp.Int("features");
        var encoderHp = RbpAddaParts.EncoderSpecs.ToDictionary(s => s.Name, s => hp.Values[s.Name]);
        var encoder = _encoder.BuildGraph(shape with { Tasks = features }, encoderHp);
        var predictor = _predictor.BuildGraph(new NetworkShape([NetworkInput.Vector(RbpAddaParts.FeaturesInput, features)], shape.Tasks),
            new Dictionary<string, System.Text.Json.JsonElement> { ["predictor_hidden"] = hp.Values["predictor_hidden"] });

        var b = new GraphBuilder();
        var inputs = shape.Inputs.ToDictionary(i => i.Name, b.Input);
        var f = b.Embed(encoder, "encoder", inputs);
        var x = b.Embed(predictor, "predictor", new Dictionary<string, NodeHandle> { [RbpAddaParts.FeaturesInput] = f });
        return b.Build(x, "logits");
    }
}
