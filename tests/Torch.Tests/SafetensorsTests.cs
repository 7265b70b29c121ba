using RbpPipeline.Torch.Samples;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

public sealed class SafetensorsTests
{
    [Fact]
    public void RoundTripIsBitExactForEveryDtype()
    {
        using var folder = new TempFolder("torch-st");
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = tensor(new[] { float.NaN, float.Epsilon, -0f, float.MaxValue, 1.1f, float.NegativeInfinity }, [2, 3]),
            ["f64"] = tensor(new[] { Math.PI, double.Epsilon }, [2]),
            ["i64"] = tensor(new[] { long.MinValue, 7L }, [2, 1]),
            ["bool"] = tensor(new[] { true, false, true }, [3]),
            ["scalar"] = tensor(42L),
            ["empty"] = zeros([0, 3]),
        };
        var path = folder.File("t.safetensors");
        Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü" });
        var (loaded, metadata) = Safetensors.Load(path);
        Assert.Equal(tensors.Keys, loaded.Keys);
        foreach (var (k, t) in tensors)
        {
            Assert.Equal(t.dtype, loaded[k].dtype);
            Assert.Equal(t.shape, loaded[k].shape);
            var expected = new byte[t.numel() * (t.dtype == ScalarType.Bool ? 1 : t.dtype is ScalarType.Float32 ? 4 : 8)];
            var actual = new byte[expected.Length];
            t.CopyBytes(expected);
            loaded[k].CopyBytes(actual);
            Assert.Equal(expected, actual);
        }
        Assert.Equal("ü", metadata["note"]);
        Assert.Equal(0, (new FileInfo(path).Length - 8 - BitConverter.ToInt64(File.ReadAllBytes(path), 0)) % 1 == 0 ? 0 : 1);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
        foreach (var t in loaded.Values) t.Dispose();
    }

    [Fact]
    public async Task PlainPythonReadsModuleState()
    {
        using var folder = new TempFolder("torch-st");
        manual_seed(9);
        using var model = new ResidualBind();
        var path = folder.File("model.safetensors");
        model.save_safetensors(path, new Dictionary<string, string> { ["arch"] = "ResidualBind" });
        const string reader = """
            import json, struct, sys
            import numpy as np
            raw = open(sys.argv[1], "rb").read()
            n = struct.unpack("<Q", raw[:8])[0]
            assert n % 8 == 0, "header not 8-aligned"
            header = json.loads(raw[8:8 + n])
            meta = header.pop("__metadata__")
            kinds = {"F32": np.float32, "I64": np.int64, "BOOL": np.bool_}
            out = {"meta": meta}
            end = 0
            for name, h in header.items():
                a, b = h["data_offsets"]
                arr = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=kinds[h["dtype"]]).reshape(h["shape"])
                out[name] = [h["dtype"], list(arr.shape), float(np.float64(arr.astype(np.float64).sum()))]
                end = max(end, b)
            assert 8 + n + end == len(raw), "trailing bytes"
            print(json.dumps(out))
            """;
        var json = await PythonOracle.RunAsync(reader, [path], cancellationToken: TestContext.Current.CancellationToken);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("ResidualBind", root.GetProperty("meta").GetProperty("arch").GetString());
        using var scope = NewDisposeScope();
        foreach (var (name, t) in model.state_dict())
        {
            var entry = root.GetProperty(name);
            Assert.Equal(t.dtype == ScalarType.Int64 ? "I64" : "F32", entry[0].GetString());
            Assert.Equal(t.shape, entry[1].EnumerateArray().Select(e => e.GetInt64()).ToArray());
            Assert.Equal(t.to(ScalarType.Float64).sum().item<double>(), entry[2].GetDouble(), 3);
        }
    }

    [Fact]
    public void ModuleCheckpointRoundTripGivesIdenticalPredictions()
    {
        using var folder = new TempFolder("torch-st");
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var a = new ResidualBind();
        // Some training so the running statistics are non-trivial.
        a.train();
        for (var i = 0; i < 3; i++) using (no_grad()) a.call(randn([16, 4, 41]));
        a.save_safetensors(folder.File("a.safetensors"));
        manual_seed(2);
        using var b = new ResidualBind();
        b.load_safetensors(folder.File("a.safetensors"));
        a.eval();
        b.eval();
        var x = randn([10, 4, 41]);
        Assert.True(a.call(x).equal(b.call(x)));
    }

    [Fact]
    public void OverwriteIsAtomicAndCorruptFilesAreRejected()
    {
        using var folder = new TempFolder("torch-st");
        using var scope = NewDisposeScope();
        var path = folder.File("x.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = ones([3]) });
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = zeros([5]) });
        Assert.Equal([5L], Safetensors.Load(path).tensors["a"].shape);
        Assert.Equal(["x.safetensors"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var ex = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        Assert.Contains("'a'", ex.Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = ones([1]) }));
    }
}
