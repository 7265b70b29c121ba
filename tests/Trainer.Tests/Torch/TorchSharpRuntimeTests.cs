using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Torch;

/// <summary>
/// TorchSharp initialises in this build output: libtorch loads, a tensor is created and autograd runs (checked against
/// the closed form d/dx Σx³ = 3x²). Where the system libstdc++ predates GCC 13, the library TorchSharp loads is the
/// build's patched copy and the NuGet cache's file is untouched (docs/torchsharp.md).
/// </summary>
public sealed class TorchSharpRuntimeTests
{
    [Fact]
    public void Tensor_and_backward_work()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, -2, 0.5f }, requires_grad: true);
        (x * x * x).sum().backward();
        Assert.Equal(new float[] { 3, 12, 0.75f }, x.grad!.data<float>().ToArray());
        Assert.StartsWith("2.10", __version__, StringComparison.Ordinal);
    }

    [Fact]
    public void Loaded_native_library_is_the_patched_copy_when_the_system_needs_it()
    {
        using var _ = zeros(1); // makes sure TorchSharp has loaded its native library
        var script = Path.Combine(RepoPaths.Root, "build-support", "torchsharp_glibcxx.py");
        if (Run(script, "check-system").Output.Trim() != "needed")
            Assert.Skip("this system's libstdc++ has GLIBCXX_3.4.32: TorchSharp loads unpatched");
        var loaded = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && f[5].EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal)).Select(f => f[5]).Distinct().ToList();
        var path = Assert.Single(loaded);
        Assert.StartsWith(AppContext.BaseDirectory, path, StringComparison.Ordinal);
        Assert.Equal(0, Run(script, "is-patched", path).ExitCode);
        Assert.Contains(File.ReadLines("/proc/self/maps"), l => l.EndsWith("/librbp_glibcxx_compat.so", StringComparison.Ordinal));
        var cache = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                                 ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(cache)) Assert.Equal(1, Run(script, "is-patched", cache).ExitCode);
    }

    private static (int ExitCode, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
