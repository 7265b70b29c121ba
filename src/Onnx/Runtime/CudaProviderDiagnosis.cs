using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace RbpPipeline.Onnx.Runtime;

/// <summary>
/// Says why the CUDA provider did not load. ORT's own error is only "Failed to load shared library"; the dynamic
/// loader's message names the library that is missing (typically libcublasLt.so.13 or libcudnn.so.9), so the
/// provider library ORT would load, from the folder of the libonnxruntime.so this process runs, is loaded once more
/// here to get that message.
/// </summary>
public static class CudaProviderDiagnosis
{
    public const string ProviderFileName = "libonnxruntime_providers_cuda.so";

    /// <summary>The dynamic loader's reason, or a note that the provider library itself loads (the failure is elsewhere).</summary>
    public static string Explain()
    {
        var path = ProviderPath();
        if (path is null) return $"{ProviderFileName} was not found next to libonnxruntime.so";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return $"{path} and its CUDA libraries load, so the failure is in CUDA itself (driver, device)";
        }
        catch (DllNotFoundException e)
        {
            // .NET's message ends with dlerror()'s text, which names the missing dependency, after its own advice.
            var dlerror = e.Message.Trim().Split('\n')[^1].Trim();
            return $"loading {path}: {dlerror}";
        }
    }

    /// <summary>Where ORT looks for its provider libraries: the folder of the loaded libonnxruntime.so.</summary>
    public static string? ProviderPath()
    {
        OrtEnv.Instance(); // makes sure libonnxruntime.so is mapped
        var folders = new List<string>();
        if (File.Exists("/proc/self/maps"))
            folders.AddRange(File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var at and >= 0 ? line[at..] : "")
                .Where(file => Path.GetFileName(file) == "libonnxruntime.so")
                .Select(file => Path.GetDirectoryName(file)!)
                .Distinct());
        folders.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"));
        folders.Add(AppContext.BaseDirectory);
        return folders.Select(f => Path.Combine(f, ProviderFileName)).FirstOrDefault(File.Exists);
    }
}
