using System.Text.Json;

namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// An architecture defined once as a <see cref="NetworkGraph"/>: subclasses list their hyperparameters and build the
/// graph for a shape; creating a trainable network is interpreting that graph (<see cref="GraphNetwork"/>).
/// </summary>
public abstract class GraphArchitecture : IArchitecture
{
    private IReadOnlyDictionary<string, JsonElement>? _defaults;

    public abstract string Name { get; }

    public ArchitectureKey Key => new(Name);

    /// <summary>One line for listings ("ResidualBind (Koo et al.): …").</summary>
    public abstract string Description { get; }

    public abstract IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; }

    public IReadOnlyDictionary<string, JsonElement> DefaultHyperparameters =>
        _defaults ??= HyperparameterSpecs.ToDictionary(s => s.Name, s => s.Default, StringComparer.Ordinal);

    public abstract TrainingDefaults Training { get; }

    public NetworkGraph BuildGraph(NetworkShape shape, IReadOnlyDictionary<string, JsonElement> hyperparameters)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Tasks < 1) throw new ArgumentException($"{Name} needs at least one output (tasks = {shape.Tasks})");
        if (shape.Inputs.Count == 0) throw new ArgumentException($"{Name} needs at least one input");
        if (shape.Inputs.Select(i => i.Name).Distinct(StringComparer.Ordinal).Count() != shape.Inputs.Count)
            throw new ArgumentException($"{Name}: input names must be distinct ({string.Join(", ", shape.Inputs.Select(i => i.Name))})");
        foreach (var input in shape.Inputs)
            if (input.Channels < 1 || input.Length < 0 || string.IsNullOrWhiteSpace(input.Name) || input.Name.Contains('.'))
                throw new ArgumentException($"{Name}: input '{input.Name}' ({input.Channels} channels, length {input.Length}) is not valid");
        var hp = Hyperparameters.Resolve(Name, HyperparameterSpecs, hyperparameters);
        try
        {
            return Build(shape, hp);
        }
        catch (ArgumentException e) when (!e.Message.StartsWith(Name, StringComparison.Ordinal))
        {
            // Shape errors from deep inside the graph ("node 'pool': the pooled length would be 0") get the context.
            throw new ArgumentException($"{Name} cannot be built for inputs {Describe(shape)}: {e.Message}", e);
        }
    }

    public INetwork Create(NetworkShape shape, IReadOnlyDictionary<string, JsonElement> hyperparameters) =>
        new GraphNetwork(Name, shape, BuildGraph(shape, hyperparameters));

    /// <summary>Builds the graph (shape checked, hyperparameters resolved and type-checked).</summary>
    protected abstract NetworkGraph Build(NetworkShape shape, Hyperparameters hp);

    /// <summary>The per-position inputs (not feature vectors), erroring when there are none.</summary>
    protected IReadOnlyList<NetworkInput> SequenceInputs(NetworkShape shape)
    {
        var inputs = shape.Inputs.Where(i => !i.IsVector).ToList();
        if (inputs.Count != shape.Inputs.Count || inputs.Count == 0)
            throw new ArgumentException($"{Name} takes per-position inputs [N, C, L] only, got {Describe(shape)}");
        return inputs;
    }

    /// <summary>
    /// All inputs stacked per position (Concat on the channel axis, in input order): sequence-only networks read extra
    /// tracks this way. The inputs must share one length.
    /// </summary>
    protected NodeHandle StackInputs(GraphBuilder b, NetworkShape shape)
    {
        var inputs = SequenceInputs(shape);
        if (inputs.Select(i => i.Length).Distinct().Count() > 1)
            throw new ArgumentException(
                $"{Name} stacks its inputs per position, so they must have the same length; got {Describe(shape)}");
        return b.Concat(1, [.. inputs.Select(b.Input)], "inputs");
    }

    protected static string Describe(NetworkShape shape) =>
        string.Join(", ", shape.Inputs.Select(i => i.IsVector ? $"{i.Name} [{i.Channels}]" : $"{i.Name} [{i.Channels}×{i.Length}]"));

    public override string ToString() => Name;
}
