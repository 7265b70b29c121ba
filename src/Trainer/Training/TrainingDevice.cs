using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>
/// Where a network trains: <c>auto</c> (CUDA when TorchSharp reports a device, else the CPU), <c>cpu</c>, <c>cuda</c>
/// or <c>cuda:N</c>. CUDA needs the TorchSharp-cuda-linux backend (<c>dotnet build -p:TorchBackend=cuda</c>).
/// </summary>
public static partial class TrainingDevice
{
    public const string Auto = "auto";

    public static bool IsValid(string spec) => Pattern().IsMatch(spec);

    /// <exception cref="ArgumentException">Not one of auto, cpu, cuda, cuda:N; or CUDA asked for where there is none.</exception>
    public static Device Resolve(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!IsValid(spec))
            throw new ArgumentException($"training device '{spec}' is not one of auto, cpu, cuda, cuda:N");
        if (spec == "cpu" || (spec == Auto && !cuda.is_available())) return CPU;
        if (spec == Auto) return CUDA;
        if (!cuda.is_available())
            throw new ArgumentException(
                $"training device '{spec}': TorchSharp reports no CUDA device (a CUDA build needs -p:TorchBackend=cuda and a GPU with its driver); use auto or cpu");
        var index = spec.Length > 5 ? int.Parse(spec[5..], System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (index >= cuda.device_count())
            throw new ArgumentException($"training device '{spec}': there are {cuda.device_count()} CUDA device(s)");
        return new Device(DeviceType.CUDA, index);
    }

    /// <summary>The device of <paramref name="module"/>'s parameters (the CPU for a module without any).</summary>
    public static Device Of(nn.Module module) => module.parameters().FirstOrDefault()?.device ?? CPU;

    [GeneratedRegex(@"^(auto|cpu|cuda(:[0-9]{1,2})?)$")]
    private static partial Regex Pattern();
}
