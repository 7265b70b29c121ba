using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Interpretation.Attribution;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;
using static TorchSharp.torch;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>
/// The baseline of the IG comparison: integrated gradients of the logit against the zeros baseline, computed with
/// libtorch autograd on the checkpoint's own weights (eval mode, frozen), the way one would without an exported gradient
/// graph. All (sequence × node) path points of a chunk go through one forward and one backward pass, so libtorch
/// sees batches as large as the server's. Like the server it also computes f(x) and f(baseline), which Gauss–Legendre
/// nodes do not reach, so both sides produce the same result.
/// </summary>
public sealed class TorchIntegratedGradients : IDisposable
{
    private readonly INetwork _network;
    private readonly float[] _alphas;
    private readonly float[] _weights;
    private readonly int _length;

    public TorchIntegratedGradients(string checkpointFolder, int steps)
    {
        var checkpoint = Checkpoint.Open(checkpointFolder);
        _network = checkpoint.CreateNetwork(Architectures.Get(checkpoint.Manifest.Architecture.Name));
        _network.Module.eval();
        // Frozen weights: backward then computes input gradients only, as gradient.onnx does, instead of also
        // accumulating weight gradients nobody reads. This makes libtorch's side as fast as it can honestly be.
        foreach (var parameter in _network.Module.parameters()) parameter.requires_grad_(false);
        Encoding = checkpoint.Manifest.Encoding;
        _length = Encoding.Length;
        // The same quadrature rule the server uses (numpy checks it in the end-to-end tests), so any difference in
        // the attributions comes from the engines, not the rule.
        var nodes = Quadrature.GaussLegendre(steps);
        _alphas = [.. nodes.Alphas.Select(a => (float)a)];
        _weights = [.. nodes.Weights.Select(w => (float)w)];
    }

    /// <summary>How the checkpoint encodes sequences (the server uses the same, from the published manifest).</summary>
    public EncodingSpec Encoding { get; }

    /// <summary>Attributions [rows, 4, length] of one chunk of encoded sequences [rows, 4, length].</summary>
    public float[] Explain(float[] encoded, int rows)
    {
        using var scope = NewDisposeScope();
        var x = tensor(encoded, [rows, 4, _length]);
        var steps = _alphas.Length;
        // Zeros baseline: the path point at node i is αᵢ·x; rows are sequence-major, node-minor.
        var path = (x.unsqueeze(1) * tensor(_alphas, [1, steps, 1, 1])).reshape(rows * steps, 4, _length);
        path.requires_grad_(true);
        _network.Forward([path]).sum().backward();
        var averaged = (path.grad!.reshape(rows, steps, 4, _length) * tensor(_weights, [1, steps, 1, 1])).sum(1);
        var attributions = (averaged * x).contiguous().data<float>().ToArray();
        ScoreEndpoints(x);
        return attributions;
    }

    /// <summary>f(x) and f(0), which the server also computes for the convergence delta.</summary>
    private void ScoreEndpoints(Tensor x)
    {
        using var _ = no_grad();
        _network.Forward([x]).sum().item<float>();
        _network.Forward([zeros([1, 4, _length])]).sum().item<float>();
    }

    public void Dispose() => _network.Dispose();
}
