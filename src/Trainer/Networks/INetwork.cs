using System.Text.Json;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// One input modality of a network: a float tensor [batch, Channels, Length] ("sequence", "region", "structure").
/// Length 0 marks a feature vector [batch, Channels] (the input of RBP-ADDA's predictor and discriminator).
/// </summary>
public sealed record NetworkInput(string Name, int Channels, int Length)
{
    /// <summary>A per-example feature vector [batch, channels] (Length 0).</summary>
    public static NetworkInput Vector(string name, int channels) => new(name, channels, 0);

    public bool IsVector => Length == 0;
}

/// <summary>What a network is built for: its inputs (sequence first) and the number of output columns (tasks).</summary>
public sealed record NetworkShape(IReadOnlyList<NetworkInput> Inputs, int Tasks)
{
    public NetworkInput Input(string name) =>
        Inputs.FirstOrDefault(i => i.Name == name)
        ?? throw new ArgumentException($"the network has no input '{name}' (inputs: {string.Join(", ", Inputs.Select(i => i.Name))})");
}

/// <summary>
/// A trainable network: a libtorch module whose forward takes one tensor per input (in <see cref="NetworkShape.Inputs"/>
/// order) and returns raw outputs [batch, tasks] — logits for classification tasks, scores for regression.
/// Its structure is also available as a <see cref="NetworkGraph"/> so that the Exporter can rebuild it in ONNX.
/// </summary>
public interface INetwork : IDisposable
{
    string Architecture { get; }

    NetworkShape Shape { get; }

    /// <summary>The module that owns every parameter and buffer (state_dict names are the checkpoint's tensor names).</summary>
    nn.Module Module { get; }

    Tensor Forward(IReadOnlyList<Tensor> inputs);

    /// <summary>The network's definition (what the Exporter walks); its state names are the module's state_dict names.</summary>
    NetworkGraph Graph { get; }
}

/// <summary>How an architecture is trained by default: the published procedure, overridable in pipeline.yaml.</summary>
public sealed record TrainingDefaults
{
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    public required double LearningRate { get; init; }

    public double WeightDecay { get; init; }

    public required int BatchSize { get; init; }

    public required int Epochs { get; init; }

    /// <summary>Epochs without validation improvement before stopping; 0 disables.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Multiplies the learning rate on a plateau; 1 disables.</summary>
    public double LrDecayFactor { get; init; } = 1;

    public int LrDecayPatience { get; init; }

    public required LossKind Loss { get; init; }

    /// <summary>Label transforms the procedure prescribes (RBP-ADDA: minmax to [−1, 1]); null = none.</summary>
    public IReadOnlyList<LabelTransformSpec>? LabelTransforms { get; init; }
}

/// <summary>A named architecture: its hyperparameters (with the papers' defaults) and how to build it.</summary>
public interface IArchitecture
{
    /// <summary>Lower-case name used in pipeline.yaml and manifests, e.g. "residualbind".</summary>
    string Name { get; }

    /// <summary>The typed key of <see cref="Name"/>.</summary>
    ArchitectureKey Key => new(Name);

    /// <summary>Every hyperparameter with its default; names are those accepted in pipeline.yaml.</summary>
    IReadOnlyDictionary<string, JsonElement> DefaultHyperparameters { get; }

    /// <summary>Every hyperparameter with type, range and description (DefaultHyperparameters holds the same defaults).</summary>
    IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; }

    TrainingDefaults Training { get; }

    /// <summary>
    /// Builds a freshly initialised network. <paramref name="hyperparameters"/> overrides defaults; an unknown name
    /// or a value of the wrong type throws <see cref="ArgumentException"/> naming it (with a did-you-mean).
    /// </summary>
    INetwork Create(NetworkShape shape, IReadOnlyDictionary<string, JsonElement> hyperparameters);

    /// <summary>
    /// The network's definition for this shape and these hyperparameters, without creating any tensors (the Exporter
    /// rebuilds a checkpoint's graph this way). Same validation as <see cref="Create"/>.
    /// </summary>
    NetworkGraph BuildGraph(NetworkShape shape, IReadOnlyDictionary<string, JsonElement> hyperparameters);
}
