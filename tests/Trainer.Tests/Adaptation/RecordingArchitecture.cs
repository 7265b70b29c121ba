using System.Text.Json;
using RbpPipeline.Trainer.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Adaptation;

/// <summary>One forward call as a network saw it: its mode and its first (sequence) input, copied out.</summary>
internal sealed record RecordedForward(bool Training, float[] Sequence, long Rows);

/// <summary>
/// Wraps another architecture so that every network it creates records what its Forward receives: the only way to
/// see exactly which inputs the trainer fed in training mode (augmented batches) and in evaluation mode (validation
/// and test data, which must stay plain).
/// </summary>
internal sealed class RecordingArchitecture(IArchitecture inner, string name = "recording-cnn") : IArchitecture
{
    public List<RecordedForward> Calls { get; } = [];

    public string Name => name;

    public IReadOnlyDictionary<string, JsonElement> DefaultHyperparameters => inner.DefaultHyperparameters;

    public IReadOnlyList<HyperparameterSpec> HyperparameterSpecs => inner.HyperparameterSpecs;

    public TrainingDefaults Training => inner.Training;

    public INetwork Create(NetworkShape shape, IReadOnlyDictionary<string, JsonElement> hyperparameters) =>
        new RecordingNetwork(inner.Create(shape, hyperparameters), this);

    public NetworkGraph BuildGraph(NetworkShape shape, IReadOnlyDictionary<string, JsonElement> hyperparameters) =>
        inner.BuildGraph(shape, hyperparameters);

    private sealed class RecordingNetwork(INetwork network, RecordingArchitecture owner) : INetwork
    {
        public string Architecture => owner.Name;

        public NetworkShape Shape => network.Shape;

        public nn.Module Module => network.Module;

        public NetworkGraph Graph => network.Graph;

        public Tensor Forward(IReadOnlyList<Tensor> inputs)
        {
            owner.Calls.Add(new RecordedForward(network.Module.training, inputs[0].data<float>().ToArray(), inputs[0].shape[0]));
            return network.Forward(inputs);
        }

        public void Dispose() => network.Dispose();
    }
}
