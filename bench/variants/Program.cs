// Variant-scoring benchmark helper. Two commands (run.sh drives both):
//   gen --out DIR --variants N [--mb 20] [--chroms 4] [--seed 1]
//        writes DIR/genome.fa (random ACGT, 60 bases a line, `--chroms` chromosomes totalling `--mb` Mb) and
//        DIR/variants.vcf: N SNVs at random positions, sorted, REF read from the genome, ALT another base.
//   floor --model PATH[,PATH…] --batch B --threads T [--seconds S]
//        in-process ONNX Runtime forward throughput (sequences/s) at batch B, T intra-op threads, the server's
//        session options; with several models, batches go round-robin over their sessions. Prints one JSON line.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Onnx.Runtime;

NativeEnvironment.Prepare();
string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int IntArg(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

switch (args.Length > 0 ? args[0] : "")
{
    case "gen":
        Generate(Arg("--out", "."), IntArg("--variants", 1_000_000), double.Parse(Arg("--mb", "20"), CultureInfo.InvariantCulture),
            IntArg("--chroms", 4), IntArg("--seed", 1));
        return 0;
    case "floor":
        Floor(Arg("--model", "").Split(','), IntArg("--batch", 2048), IntArg("--threads", 2),
            double.Parse(Arg("--seconds", "10"), CultureInfo.InvariantCulture));
        return 0;
    default:
        Console.Error.WriteLine("usage: gen --out DIR --variants N [--mb 20] [--chroms 4] [--seed 1] | floor --model A.onnx[,B.onnx] --batch B --threads T [--seconds S]");
        return 2;
}

static void Generate(string folder, int variants, double mb, int chroms, int seed)
{
    Directory.CreateDirectory(folder);
    var random = new Random(seed);
    var total = (long)(mb * 1_000_000);
    var lengths = Enumerable.Range(0, chroms).Select(c => (int)(total / chroms)).ToArray();
    var genome = new byte[chroms][];
    using (var fa = new StreamWriter(Path.Combine(folder, "genome.fa"), false, new UTF8Encoding(false), 1 << 20))
    {
        for (var c = 0; c < chroms; c++)
        {
            var seq = genome[c] = new byte[lengths[c]];
            for (var i = 0; i < seq.Length; i++) seq[i] = (byte)"ACGT"[random.Next(4)];
            fa.Write($">chr{c + 1}\n");
            for (var i = 0; i < seq.Length; i += 60)
            {
                fa.Write(Encoding.ASCII.GetString(seq, i, Math.Min(60, seq.Length - i)));
                fa.Write('\n');
            }
        }
    }
    // Variants spread over the chromosomes in proportion to their length; positions sorted within each.
    using var vcf = new StreamWriter(Path.Combine(folder, "variants.vcf"), false, new UTF8Encoding(false), 1 << 20);
    vcf.Write("##fileformat=VCFv4.2\n");
    for (var c = 0; c < chroms; c++) vcf.Write($"##contig=<ID=chr{c + 1},length={lengths[c]}>\n");
    vcf.Write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    var written = 0;
    for (var c = 0; c < chroms; c++)
    {
        var count = c == chroms - 1 ? variants - written : (int)((long)variants * lengths[c] / total);
        var positions = new int[count];
        for (var i = 0; i < count; i++) positions[i] = random.Next(lengths[c]);
        Array.Sort(positions);
        foreach (var p in positions)
        {
            var reference = (char)genome[c][p];
            var alt = "ACGT".Replace(reference.ToString(), "", StringComparison.Ordinal)[random.Next(3)];
            vcf.Write($"chr{c + 1}\t{p + 1}\tv{written + 1}\t{reference}\t{alt}\t.\tPASS\t.\n");
            written++;
        }
    }
    Console.WriteLine(JsonSerializer.Serialize(new { genome_bases = total, chromosomes = chroms, variants = written }));
}

static void Floor(string[] paths, int batch, int threads, double seconds)
{
    var sessions = paths.Select(p =>
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            IntraOpNumThreads = threads,
        };
        return new InferenceSession(p, options);
    }).ToArray();
    var meta = sessions[0].InputMetadata["sequence"];
    var length = meta.Dimensions[2];
    var random = new Random(1);
    var encoder = new SequenceEncoder(new EncodingSpec { Length = length, LengthPolicy = LengthPolicy.Centre });
    var encoded = Enumerable.Range(0, 4).Select(_ => encoder.EncodeBatch(
        Enumerable.Range(0, batch).Select(_ => new string([.. Enumerable.Range(0, length).Select(_ => "ACGU"[random.Next(4)])])).ToArray())).ToArray();
    using var runOptions = new RunOptions();
    long rows = 0;
    var i = 0;
    void RunOnce()
    {
        using var input = OrtValue.CreateTensorValueFromMemory(encoded[i % encoded.Length], [batch, 4, length]);
        using var output = sessions[i % sessions.Length].Run(runOptions, ["sequence"], [input], ["raw"]);
        i++;
        rows += batch;
    }
    for (var w = 0; w < 2 * sessions.Length; w++) RunOnce();
    rows = 0;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed.TotalSeconds < seconds) RunOnce();
    Console.WriteLine(JsonSerializer.Serialize(new { batch, threads, models = sessions.Length, length, rows_per_s = rows / sw.Elapsed.TotalSeconds }));
    foreach (var s in sessions) s.Dispose();
}
