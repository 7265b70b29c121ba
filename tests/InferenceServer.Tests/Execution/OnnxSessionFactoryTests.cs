using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Tests.Serving;
using RbpPipeline.InferenceServer.Tests.Support;
using RbpPipeline.Onnx.Runtime;
using OrtRunOptions = Microsoft.ML.OnnxRuntime.RunOptions;

namespace RbpPipeline.InferenceServer.Tests.Execution;

/// <summary>The server's session factory: CPU fallback when `--cuda` cannot be honoured, and memory settings that change nothing but memory.</summary>
public sealed class OnnxSessionFactoryTests
{
    private static byte[] Model(int seed) => TestModelRepository.ForwardModel(new TestModelSpec { Seed = seed }).ToByteArray();

    private static float[] RunOnce(OnnxModelSession session, int batch)
    {
        var input = session.InputNames[0];
        var row = session.InputShapes[input].Skip(1).Select(d => (long)d).ToArray();
        var size = (int)row.Aggregate(1L, (a, b) => a * b);
        var data = new float[batch * size];
        var random = new Random(3);
        for (var i = 0; i < data.Length; i++) data[i] = random.Next(2);
        using var runOptions = new OrtRunOptions();
        return session.Run([input], [data], [[batch, .. row]], [session.OutputNames[0]], runOptions)[0];
    }

    [Fact]
    public void Cuda_without_cuda_libraries_serves_every_model_on_cpu_and_logs_the_reason_once()
    {
        if (NativeLibrary.TryLoad("libcublasLt.so.13", out var handle))
        {
            NativeLibrary.Free(handle);
            Assert.Skip("CUDA 13 libraries load on this machine: the fallback path is not reachable here");
        }
        var logs = new ListLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var factory = new OnnxSessionFactory(new ServingOptions { ExecutionProvider = ExecutionProviderRequest.Cuda },
            loggers.CreateLogger<OnnxSessionFactory>());

        using var first = factory.Create(Model(1));
        using var second = factory.Create(Model(2));

        Assert.All(new[] { first, second }, s => Assert.Equal(ExecutionProviderChoice.CpuName, s.Provider.Provider));
        Assert.Contains("cannot open shared object file", first.Provider.Reason);
        Assert.Equal(first.Provider, second.Provider);
        Assert.Equal(first.Provider, factory.ExecutionProvider);
        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("CUDA was requested", warning.Message);
        Assert.Equal(8 * second.OutputShapes[second.OutputNames[0]][1], RunOnce(second, 8).Length);
    }

    [Fact]
    public void Every_memory_setting_gives_the_same_bits_as_onnx_runtime_defaults()
    {
        using var loggers = LoggerFactory.Create(_ => { });
        float[] Outputs(SessionMemory memory, int seed)
        {
            var factory = new OnnxSessionFactory(new ServingOptions(), loggers.CreateLogger<OnnxSessionFactory>(), memory);
            using var session = factory.Create(Model(seed));
            return RunOnce(session, 512);
        }
        foreach (var seed in new[] { 1, 2 })
        {
            var expected = Outputs(SessionMemory.PerSessionArena, seed);
            foreach (var memory in Enum.GetValues<SessionMemory>())
                Assert.Equal(expected, Outputs(memory, seed));
        }
        Assert.NotEqual(Outputs(OnnxSessionFactory.DefaultMemory, 1), Outputs(OnnxSessionFactory.DefaultMemory, 2));
    }
}
