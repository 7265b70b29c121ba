using System.Diagnostics;
using System.Text;
using RbpPipeline.EndToEnd.Tests.Interpretation;

namespace RbpPipeline.EndToEnd.Tests.Replicas;

/// <summary>
/// `rbp score-variants` over three `rbp serve` replicas: batches are spread over all of them, and when one is killed
/// mid-run the run finishes on the others with output identical, byte for byte, to a one-server run.
/// </summary>
[Collection(InterpretedModelsCollection.Name)]
public sealed class ReplicaFailoverTests(InterpretedModels models)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Killing_one_of_three_replicas_mid_run_changes_nothing_in_the_output()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-replicas");
        var (fasta, vcf, variants) = WriteGenomeAndVcf(work, seed: 5, variants: 3000);
        var replicas = new List<ServeProcess>();
        try
        {
            for (var i = 0; i < 3; i++) replicas.Add(await ServeProcess.StartAsync(models.Repository, StartTimeout, ct));

            // The reference: one server, the default batching.
            var one = work.File("one.tsv");
            var (code, error) = await ScoreAsync(vcf, fasta, one, [replicas[0].Address], onProgress: null, ct);
            Assert.True(code == 0, error);
            Assert.Equal(1 + variants, File.ReadAllLines(one).Length);

            // Three replicas, small batches (many calls); replica 1 is killed once a tenth of the rows are written.
            var rowsBefore = await Task.WhenAll(replicas.Select(r => r.PredictedRowsAsync(ct)));
            var three = work.File("three.tsv");
            var killedAtRow = -1;
            double[]? rowsAtKill = null;
            (code, error) = await ScoreAsync(vcf, fasta, three, [.. replicas.Select(r => r.Address)], async written =>
            {
                if (killedAtRow >= 0 || written < variants / 10) return;
                rowsAtKill = await Task.WhenAll(replicas.Select(r => r.PredictedRowsAsync(ct)));
                replicas[1].Kill();
                killedAtRow = written;
            }, ct);
            Assert.True(code == 0, error);
            Assert.True(killedAtRow >= 0 && killedAtRow < variants, $"the replica was not killed mid-run (at row {killedAtRow} of {variants})");
            Assert.True(replicas[1].HasExited);
            // Every replica had taken batches before the kill: the work was spread, not sent to one.
            for (var r = 0; r < 3; r++)
                Assert.True(rowsAtKill![r] > rowsBefore[r], $"replica {r} predicted nothing before the kill ({rowsBefore[r]} → {rowsAtKill[r]} rows)");
            Assert.Equal(await File.ReadAllBytesAsync(one, ct), await File.ReadAllBytesAsync(three, ct));
        }
        finally
        {
            foreach (var replica in replicas) replica.Dispose();
        }
        Assert.All(replicas, r => Assert.True(r.HasExited, $"rbp serve on port {r.Port} still runs"));
    }

    [Fact]
    public async Task Predict_and_explain_over_two_replicas_write_what_one_server_writes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-replicas-cli");
        var input = work.File("peaks.fa");
        await File.WriteAllLinesAsync(input, models.AffinityTest.Take(300).SelectMany((r, i) => new[] { $">s{i}", r.Sequence }), ct);
        using var a = await ServeProcess.StartAsync(models.Repository, StartTimeout, ct);
        using var b = await ServeProcess.StartAsync(models.Repository, StartTimeout, ct);
        string[] one = ["--server", a.Address];
        string[] two = ["--server", a.Address, "--server", b.Address];

        foreach (var (label, servers) in new[] { ("one", one), ("two", two) })
        {
            var (code, error) = await RunCliAsync(["predict", input, "--model", InterpretedModels.Affinity, "--out", work.File($"{label}.tsv"), "--batch", "16", .. servers], ct);
            Assert.True(code == 0, error);
            (code, error) = await RunCliAsync(["explain", input, "--model", InterpretedModels.Affinity, "--out", work.File($"explain-{label}"),
                "--method", "saliency", "--batch", "20", "--pictures", "0", .. servers], ct);
            Assert.True(code == 0, error);
        }
        Assert.Equal(301, File.ReadAllLines(work.File("one.tsv")).Length);
        Assert.Equal(File.ReadAllBytes(work.File("one.tsv")), File.ReadAllBytes(work.File("two.tsv")));
        foreach (var file in new[] { "summary.tsv", "attributions.tsv" })
            Assert.Equal(File.ReadAllBytes(work.File($"explain-one/{file}")), File.ReadAllBytes(work.File($"explain-two/{file}")));
        // Both replicas predicted: the batches were spread.
        Assert.True(await b.PredictedRowsAsync(ct) > 0, "the second replica got no call");
    }

    private static async Task<(int Code, string Error)> RunCliAsync(string[] arguments, CancellationToken ct)
    {
        var result = await RbpCli.RunAsync(arguments, timeout: RunTimeout, cancellationToken: ct);
        return (result.Code, result.Stderr);
    }

    /// <summary>Runs score-variants; <paramref name="onProgress"/> sees the number of rows written so far, every 50 ms.</summary>
    private static async Task<(int Code, string Error)> ScoreAsync(string vcf, string fasta, string output, IReadOnlyList<string> servers,
        Func<int, Task>? onProgress, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { RbpCli.Dll, "score-variants", "--vcf", vcf, "--fasta", fasta, "--models", InterpretedModels.Affinity, "--out", output })
            start.ArgumentList.Add(argument);
        foreach (var server in servers)
        {
            start.ArgumentList.Add("--server");
            start.ArgumentList.Add(server);
        }
        if (servers.Count > 1) foreach (var argument in new[] { "--batch", "16", "--in-flight", "6" }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(ct);
        _ = process.StandardOutput.ReadToEndAsync(ct);
        var clock = Stopwatch.StartNew();
        try
        {
            while (!process.HasExited)
            {
                if (clock.Elapsed > RunTimeout) throw new TimeoutException($"score-variants did not finish within {RunTimeout}");
                if (onProgress is not null && File.Exists(output)) await onProgress(CountRows(output));
                await Task.Delay(50, ct);
            }
            await process.WaitForExitAsync(ct);
            return (process.ExitCode, await error);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private static int CountRows(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var rows = -1; // the header
        int b;
        while ((b = stream.ReadByte()) >= 0) if (b == '\n') rows++;
        return Math.Max(0, rows);
    }

    /// <summary>A seeded random genome (2 chromosomes) and a VCF of SNVs whose REF is read from it.</summary>
    private static (string Fasta, string Vcf, int Variants) WriteGenomeAndVcf(TempFolder work, int seed, int variants)
    {
        var random = new Random(seed);
        var chromosomes = new[] { ("chrA", 60_000), ("chrB", 40_000) }
            .Select(c => (Name: c.Item1, Sequence: new string([.. Enumerable.Range(0, c.Item2).Select(_ => "ACGT"[random.Next(4)])])))
            .ToList();
        var fasta = work.File("genome.fa");
        VariantTestData.WriteFasta(fasta, [.. chromosomes.Select(c => (c.Name, c.Sequence))]);
        var vcf = new StringBuilder("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
        var sites = Enumerable.Range(0, variants).Select(_ => random.Next(chromosomes.Count)).Select(c => (Chrom: c, Pos: 1 + random.Next(chromosomes[c].Sequence.Length)))
            .OrderBy(s => s.Chrom).ThenBy(s => s.Pos).ToList();
        foreach (var (chrom, pos) in sites)
        {
            var reference = chromosomes[chrom].Sequence[pos - 1];
            var alternative = "ACGT".Where(b => b != reference).ElementAt(random.Next(3));
            vcf.Append(chromosomes[chrom].Name).Append('\t').Append(pos).Append("\t.\t").Append(reference).Append('\t').Append(alternative).Append("\t.\tPASS\t.\n");
        }
        var path = work.File("variants.vcf");
        File.WriteAllText(path, vcf.ToString());
        return (fasta, path, variants);
    }
}
