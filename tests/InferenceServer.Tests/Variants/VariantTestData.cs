using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.InferenceServer.Tests.Serving;
using RbpPipeline.Onnx.Format;

namespace RbpPipeline.InferenceServer.Tests.Variants;

/// <summary>
/// A motif model whose output is a known function of its input: raw = max over positions of
/// ReLU(matches of GGAC − 3), i.e. 1 when the window holds GGAC on the scored strand and 0 otherwise (N matches
/// nothing). Two tasks read the same output: 'motif' (identity label transform) and 'scaled' (z-score mean 1,
/// std 2, so its values are 2·raw + 1). Optionally published with gradient.onnx (the exact gradient of that
/// function), so integrated gradients can run: along the path α·x from the zeros baseline a site switches on at
/// α = 3/4, and each of its 4 bases is attributed ≈ 1/4 of the output.
/// </summary>
public static class MotifModel
{
    public const string Motif = "GGAC";

    public const int Length = 21;

    public static TestModelSpec Spec(int length = Length, bool withGradient = false) => new()
    {
        Length = length,
        WithGradient = withGradient,
        WithProbability = false,
        Tasks =
        [
            new TaskInfo { Name = "motif", Type = TaskType.Regression },
            new TaskInfo
            {
                Name = "scaled",
                Type = TaskType.Regression,
                LabelTransform = new LabelTransformChain { Steps = [new ZScoreTransform { Mean = 1.0, Std = 2.0 }] },
            },
        ],
    };

    public static ModelProto Graph(int length)
    {
        var g = new OnnxGraphBuilder("motif");
        var x = g.AddInput("sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, length);
        AddForward(g, x);
        return g.Build("test");
    }

    /// <summary>Adds conv → relu → raw (max over positions); returns (W, conv, relu).</summary>
    private static (string W, string Conv, string Relu) AddForward(OnnxGraphBuilder g, string x)
    {
        var kernel = new float[2 * 4 * Motif.Length];
        for (var o = 0; o < 2; o++)
            for (var j = 0; j < Motif.Length; j++)
                kernel[(o * 4 + "ACGT".IndexOf(Motif[j])) * Motif.Length + j] = 1f;
        var w = g.AddFloatInitializer("W", kernel, 2, 4, Motif.Length);
        var b = g.AddFloatInitializer("B", [-3f, -3f], 2);
        var conv = g.AddNode("Conv", [x, w, b], "conv", OnnxAttributes.Ints("kernel_shape", Motif.Length));
        var relu = g.AddNode("Relu", [conv], "relu");
        g.AddNodeWithOutputs("ReduceMax", [relu], ["raw"], OnnxAttributes.Ints("axes", 2), OnnxAttributes.Int("keepdims", 0));
        g.AddOutput("raw", TensorProto.Types.DataType.Float, OnnxDim.Batch, 2);
        return (w, conv, relu);
    }

    /// <summary>
    /// gradient.onnx: raw as above and d(Σ output_weights · raw)/d(sequence). The max passes the gradient to the
    /// active positions that reach it (shared equally between ties, as reduce-max gradients do); ConvTranspose with
    /// the conv kernel carries it back to the bases.
    /// </summary>
    public static ModelProto GradientGraph(int length)
    {
        const long FloatType = (long)TensorProto.Types.DataType.Float;
        var g = new OnnxGraphBuilder("motif_gradient");
        var x = g.AddInput("sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, length);
        var outputWeights = g.AddInput("output_weights", TensorProto.Types.DataType.Float, OnnxDim.Batch, 2);
        var (w, conv, relu) = AddForward(g, x);
        var zero = g.AddFloatInitializer("zero", [0f], 1);
        var one = g.AddFloatInitializer("one", [1f], 1);
        var positionAxis = g.AddInt64Initializer("position_axis", [2], 1);
        var columnShape = g.AddInt64Initializer("column_shape", [-1, 2, 1], 3);
        var peak = g.AddNode("ReduceMax", [relu], "peak", OnnxAttributes.Ints("axes", 2), OnnxAttributes.Int("keepdims", 1));
        var active = g.AddNode("Cast", [g.AddNode("Greater", [conv, zero], "positive")], "active", OnnxAttributes.Int("to", FloatType));
        var atPeak = g.AddNode("Cast", [g.AddNode("Equal", [relu, peak], "is_peak")], "at_peak", OnnxAttributes.Int("to", FloatType));
        var mask = g.AddNode("Mul", [active, atPeak], "mask");
        var ties = g.AddNode("Max", [g.AddNode("ReduceSum", [mask, positionAxis], "ties", OnnxAttributes.Int("keepdims", 1)), one], "ties_at_least_one");
        var share = g.AddNode("Mul", [g.AddNode("Div", [mask, ties], "share"), g.AddNode("Reshape", [outputWeights, columnShape], "weights_3d")], "weighted");
        g.AddNodeWithOutputs("ConvTranspose", [share, w], ["grad_sequence"], OnnxAttributes.Ints("kernel_shape", Motif.Length));
        g.AddOutput("grad_sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, length);
        return g.Build("test");
    }

    /// <summary>Publishes the motif model as <paramref name="name"/> version 1 into <paramref name="repository"/>.</summary>
    public static void Publish(TestModelRepository repository, string name = "motif", int length = Length, bool withGradient = false)
    {
        var spec = Spec(length, withGradient);
        var folder = repository.VersionFolder(name, 1);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), Graph(length).ToByteArray());
        if (withGradient) File.WriteAllBytes(Path.Combine(folder, "gradient.onnx"), GradientGraph(length).ToByteArray());
        File.WriteAllText(Path.Combine(repository.Root, name, "config.pbtxt"),
            $"name: \"{name}\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 4096\ndynamic_batching {{ }}\n");
        ModelManifestJson.Save(TestModelRepository.Manifest(name, 1, spec, folder), Path.Combine(folder, ModelManifest.FileName));
    }
}

/// <summary>A synthetic genome with planted motif sites and a VCF of variants around them.</summary>
public sealed class VariantTestData : IDisposable
{
    public VariantTestData()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"rbp-variants-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        Chr1 = BuildChr1();
        Chr2 = new string('A', 20) + "NNNNN" + "CATCATCATCATCATCATCATCAT" + "G";
        WriteFasta(FastaPath, [("chr1", Chr1), ("chr2", Chr2)]);
    }

    public string Folder { get; }

    public string Chr1 { get; }

    public string Chr2 { get; }

    public string FastaPath => Path.Combine(Folder, "genome.fa");

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>300 random bases free of GGAC and GTCC (either strand), the first 30 soft-masked, with planted sites.</summary>
    private static string BuildChr1()
    {
        var random = new Random(7);
        var s = new StringBuilder();
        while (s.Length < 300)
        {
            var c = "ACGT"[random.Next(4)];
            s.Append(c);
            if (s.Length >= 4 && s.ToString(s.Length - 4, 4) is "GGAC" or "GTCC") s.Length--;
        }
        void Plant(int at, string text) { s.Remove(at, text.Length); s.Insert(at, text); }
        Plant(40, "GGAC");   // destroyed by SNV 43 A>T (and A>G)
        Plant(80, "GGCC");   // created by SNV 83 C>A
        Plant(120, "GTCA");  // SNV 124 A>C makes GTCC: GGAC on the minus strand
        Plant(160, "GGTAC"); // deletion 162 GT>G makes GGAC
        Plant(200, "GGAC");  // insertion 202 G>GT makes GGTAC
        var text = s.ToString();
        var lower = text[..30].ToLowerInvariant() + text[30..];
        return lower;
    }

    public static int Occurrences(string sequence, string motif)
    {
        var n = 0;
        for (var i = sequence.IndexOf(motif, StringComparison.OrdinalIgnoreCase); i >= 0; i = sequence.IndexOf(motif, i + 1, StringComparison.OrdinalIgnoreCase)) n++;
        return n;
    }

    public static void WriteFasta(string path, IEnumerable<(string Name, string Sequence)> records, int width = 60)
    {
        var text = new StringBuilder();
        foreach (var (name, sequence) in records)
        {
            text.Append('>').Append(name).Append(" synthetic\n");
            for (var i = 0; i < sequence.Length; i += width) text.Append(sequence.AsSpan(i, Math.Min(width, sequence.Length - i))).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    public char Base1(int pos) => char.ToUpperInvariant(Chr1[pos - 1]);

    /// <summary>The standard test VCF (see the test for what each record checks); chromosome names prefixed by <paramref name="prefix"/>.</summary>
    public string WriteVcf(string name, string prefix = "chr", bool gzip = false)
    {
        var neutralAlt = Base1(251) == 'A' ? "C" : "A";
        var wrongRef = Base1(100) == 'A' ? "C" : "A";
        var lines = new List<string>
        {
            "##fileformat=VCFv4.2",
            $"##contig=<ID={prefix}1,length=300>",
            "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
            $"{prefix}1\t2\tnear_start\t{Base1(2)}\t{(Base1(2) == 'A' ? "C" : "A")}\t.\tPASS\tDP=5\tGT\t0/1",
            $"{prefix}1\t43\tdestroy\tA\tT,G\t50\tPASS\tDP=10\tGT\t1/2",
            $"{prefix}1\t83\tcreate\tC\tA\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t100\tref_mismatch\t{wrongRef}\tT\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t124\tminus\tA\tC\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t130\tsymbolic\t{Base1(130)}\t<DEL>\t.\t.\tSVTYPE=DEL\tGT\t0/1",
            $"{prefix}1\t131\tbreakend\t{Base1(131)}\t{Base1(131)}]chr2:10]\t.\t.\tSVTYPE=BND\tGT\t0/1",
            $"{prefix}1\t140\tstar\t{Base1(140)}\t*\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t162\tdeletion\tGT\tG\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t202\tinsertion\tG\tGT\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t251\tneutral\t{Base1(251)}\t{neutralAlt}\t.\t.\t.\tGT\t0/1",
            $"{prefix}2\t27\tnear_n\t{char.ToUpperInvariant(Chr2[26])}\tG\t.\t.\t.\tGT\t0/1",
        };
        var path = PathOf(name);
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        if (gzip)
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Optimal);
            z.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
