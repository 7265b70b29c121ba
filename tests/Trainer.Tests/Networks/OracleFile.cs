using System.Text.Json;
using static TorchSharp.torch;
using SafetensorsIO = TorchSharp.PyBridge.Safetensors;

namespace RbpPipeline.Trainer.Tests.Networks;

/// <summary>
/// A case file for a Python oracle: the tensors as safetensors (TorchSharp.PyBridge) and string metadata beside it in
/// <c>&lt;file&gt;.meta.json</c> (PyBridge writes no header metadata), which tests/TestSupport/python/plain_safetensors.py
/// merges into what <c>read</c> returns.
/// </summary>
public static class OracleFile
{
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        SafetensorsIO.SaveStateDict(path, tensors.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        File.WriteAllText(path + ".meta.json", JsonSerializer.Serialize(metadata));
    }

    public static Dictionary<string, Tensor> Load(string path) => SafetensorsIO.LoadStateDict(path);
}
