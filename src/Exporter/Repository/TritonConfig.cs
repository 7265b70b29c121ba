using System.Globalization;
using System.Text;
using RbpPipeline.Contracts.Manifests;

namespace RbpPipeline.Exporter.Repository;

/// <summary>
/// config.pbtxt for Triton's ONNX Runtime backend (platform "onnxruntime_onnx"), describing model.onnx: the inputs
/// and outputs as TYPE_FP32 with their dimensions after the batch dimension (Triton adds the batch itself when
/// max_batch_size &gt; 0), and dynamic batching. gradient.onnx, beside it in the version folder, is not served by Triton.
/// </summary>
public static class TritonConfig
{
    public static string Render(ModelManifest manifest, int maxBatchSize = 1024, int maxQueueDelayMicroseconds = 500)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"# Written by the RbpPipeline exporter for Triton's ONNX Runtime backend (model.onnx of each version).\n");
        sb.Append(inv, $"name: \"{manifest.Name}\"\n");
        sb.Append("platform: \"onnxruntime_onnx\"\n");
        sb.Append(inv, $"max_batch_size: {maxBatchSize}\n");
        sb.Append("input [\n");
        for (var i = 0; i < manifest.Inputs.Count; i++)
        {
            var input = manifest.Inputs[i];
            sb.Append(inv, $"  {{\n    name: \"{input.Name}\"\n    data_type: TYPE_FP32\n    dims: [ {input.Channels.Count}, {input.Length} ]\n  }}");
            sb.Append(i < manifest.Inputs.Count - 1 ? ",\n" : "\n");
        }
        sb.Append("]\n");
        sb.Append("output [\n");
        for (var i = 0; i < manifest.Outputs.Count; i++)
        {
            var output = manifest.Outputs[i];
            sb.Append(inv, $"  {{\n    name: \"{output.Name}\"\n    data_type: TYPE_FP32\n    dims: [ {string.Join(", ", output.Shape.Skip(1))} ]\n  }}");
            sb.Append(i < manifest.Outputs.Count - 1 ? ",\n" : "\n");
        }
        sb.Append("]\n");
        sb.Append(inv, $"dynamic_batching {{\n  max_queue_delay_microseconds: {maxQueueDelayMicroseconds}\n}}\n");
        sb.Append("version_policy: { latest: { num_versions: 1 } }\n");
        return sb.ToString();
    }
}
