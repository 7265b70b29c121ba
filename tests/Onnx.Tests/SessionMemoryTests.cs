using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Onnx.Tests;

/// <summary>
/// The memory settings change where ORT allocates, never what it computes: several sessions on the shared arena
/// give bit-identical outputs to ORT's default per-session arena and to no arena. (How much memory each saves is
/// measured for the served models by bench/server-memory; here only a coarse factor, with no other test running.)
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public sealed class SessionMemoryTests
{
    private static float[] RunOnce(InferenceSession session, float[] x, int batch)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(x, [batch, 3]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [input], ["p"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static InferenceSession Open(SessionMemory memory)
    {
        using var options = new SessionOptions();
        SessionMemorySettings.Apply(options, memory);
        return new InferenceSession(OnnxRuntimeSmokeTests.TinyModel().ToByteArray(), options);
    }

    [Fact]
    public void Sessions_sharing_the_environment_arena_give_the_same_bits_as_the_default_and_no_arena()
    {
        const int batch = 4096; // large enough that the arena, not a small-object path, serves the activations
        var random = new Random(7);
        var x = new float[batch * 3];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 8 - 4);

        using var reference = Open(SessionMemory.PerSessionArena);
        var expected = RunOnce(reference, x, batch);
        using var shared1 = Open(SessionMemory.SharedArena);
        using var shared2 = Open(SessionMemory.SharedArena);
        using var withPattern = Open(SessionMemory.SharedArenaWithMemoryPattern);
        using var noArena = Open(SessionMemory.NoArena);
        // Interleaved runs: the second shared session reuses the arena memory the first one just released.
        Assert.Equal(expected, RunOnce(shared1, x, batch));
        Assert.Equal(expected, RunOnce(shared2, x, batch));
        Assert.Equal(expected, RunOnce(shared1, x, batch));
        Assert.Equal(expected, RunOnce(withPattern, x, batch));
        Assert.Equal(expected, RunOnce(noArena, x, batch));

        var logits = OnnxRuntimeSmokeTests.Logits(x, batch);
        for (var i = 0; i < logits.Length; i += 997) Assert.Equal(1.0 / (1.0 + Math.Exp(-logits[i])), expected[i], 1e-6);
    }

    [Fact]
    public void Sessions_on_the_shared_arena_do_not_each_keep_their_activation_memory()
    {
        // Eight sessions of a graph whose one activation is 16 MiB at batch 64. With their own arenas each keeps a
        // 16 MiB block after its run (ORT's arenas never give memory back); on the shared arena the second session's
        // run reuses the block the first released. Resident memory growth tells the two apart by a factor of ~8.
        const int sessions = 8, batch = 64, width = 65536;
        var model = WideModel(width).ToByteArray();
        var x = new float[batch * 3];
        for (var i = 0; i < x.Length; i++) x[i] = i % 7 - 3;

        long Growth(SessionMemory memory, List<InferenceSession> keep)
        {
            var before = ResidentBytes();
            for (var k = 0; k < sessions; k++)
            {
                using var options = new SessionOptions();
                SessionMemorySettings.Apply(options, memory);
                var session = new InferenceSession(model, options);
                keep.Add(session);
                using var input = OrtValue.CreateTensorValueFromMemory(x, [batch, 3]);
                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, ["x"], [input], ["y"]);
                Assert.Equal(batch * width, results[0].GetTensorTypeAndShape().ElementCount);
            }
            return ResidentBytes() - before;
        }

        var kept = new List<InferenceSession>();
        try
        {
            var shared = Growth(SessionMemory.SharedArena, kept);
            var perSession = Growth(SessionMemory.PerSessionArena, kept);
            Assert.True(perSession > sessions * batch * width * sizeof(float) * 3 / 4,
                $"per-session arenas grew RSS by only {perSession >> 20} MiB (expected about {sessions * 16} MiB)");
            Assert.True(shared < perSession / 3,
                $"shared arena grew RSS by {shared >> 20} MiB, per-session arenas by {perSession >> 20} MiB");
        }
        finally
        {
            foreach (var session in kept) session.Dispose();
        }
    }

    /// <summary>y = sigmoid(x·W) with W [3, width]: one activation of batch × width floats.</summary>
    private static Format.ModelProto WideModel(int width)
    {
        var g = new Format.OnnxGraphBuilder("wide");
        var x = g.AddInput("x", Format.TensorProto.Types.DataType.Float, Format.OnnxDim.Batch, 3);
        var weights = new float[3 * width];
        for (var i = 0; i < weights.Length; i++) weights[i] = (i % 5 - 2) * 0.1f;
        var w = g.AddFloatInitializer("W", weights, 3, width);
        var z = g.AddNode("MatMul", [x, w]);
        g.AddNodeWithOutputs("Sigmoid", [z], ["y"]);
        g.AddOutput("y", Format.TensorProto.Types.DataType.Float, Format.OnnxDim.Batch, width);
        return g.Build("test");
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    [Fact]
    public void Arena_settings_reach_the_session_options()
    {
        using var options = new SessionOptions { EnableCpuMemArena = false };
        SessionMemorySettings.Apply(options, SessionMemory.SharedArena);
        Assert.True(options.EnableCpuMemArena); // the env arena is used only by sessions whose CPU arena is on
        using var noArena = new SessionOptions();
        SessionMemorySettings.Apply(noArena, SessionMemory.NoArena);
        Assert.False(noArena.EnableCpuMemArena);
    }
}

/// <summary>Tests that measure the process's resident memory run alone.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements;
