namespace RbpPipeline.Contracts.Manifests;

/// <summary>
/// The tensor names of a published <c>gradient.onnx</c> beyond the model's own inputs and outputs: written by the
/// Exporter, checked and run by the Server.
/// </summary>
public static class GradientGraph
{
    /// <summary>The extra input [batch, columns]: the weights of Σ weight · output being differentiated.</summary>
    public const string OutputWeightsInput = "output_weights";

    /// <summary>The gradient output for input <paramref name="input"/>: <c>grad_{input}</c>, shaped like the input.</summary>
    public static string GradientOutput(string input) => $"grad_{input}";
}
