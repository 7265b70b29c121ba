using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.InferenceServer.Tests.Explorer;

/// <summary>
/// The web explorer in a real browser (Chromium via Playwright) against a served model: each page is loaded and
/// submitted, and what it shows is compared with the gRPC answer to the same request; bad input, a dead server, a
/// bearer token and cancellation are exercised. Each page's screenshot goes to build/explorer-screenshots/.
/// </summary>
public sealed class ExplorerPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RandomSequence(Random random, int length) => new([.. Enumerable.Range(0, length).Select(_ => "ACGU"[random.Next(4)])]);

    private static double Value(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static Task<string[]> DataValues(IPage page, string selector) =>
        page.EvalOnSelectorAllAsync<string[]>(selector, "els => els.map(e => e.dataset.value)");

    [Fact]
    public async Task ModelsPage_ShowsEveryServedModelAsListModelsDescribesIt()
    {
        await using var server = await ExplorerServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync();
        await browser.OpenAsync(server.Page, "models");
        var expected = await server.Grpc.Models.ListModelsAsync(new ListModelsRequest(), cancellationToken: Ct);
        Assert.Equal(2, expected.Models.Count);
        foreach (var model in expected.Models)
        {
            var card = browser.Page.Locator($"section.card[data-model='{model.Name}']");
            var text = await card.InnerTextAsync();
            Assert.Contains($"version {model.Version}", text, StringComparison.Ordinal);
            Assert.Contains(model.Architecture, text, StringComparison.Ordinal);
            foreach (var task in model.Tasks) Assert.Contains($"{task.Name} ({task.Type})", text, StringComparison.Ordinal);
            Assert.Contains($"[ACGU × {model.Inputs[0].Length}]", text, StringComparison.Ordinal);
            // The manifest as published, pretty-printed.
            var manifest = await card.Locator("details pre").TextContentAsync();
            Assert.Equal(System.Text.Json.JsonDocument.Parse(model.ManifestJson).RootElement.GetProperty("name").GetString(),
                System.Text.Json.JsonDocument.Parse(manifest!).RootElement.GetProperty("name").GetString());
        }
        await browser.ScreenshotAsync("models");
    }

    [Fact]
    public async Task PredictPage_ShowsTheValuesOfPredict_AndSortsThem()
    {
        await using var server = await ExplorerServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync();
        var random = new Random(7);
        var sequences = Enumerable.Range(0, 300).Select(_ => RandomSequence(random, 20)).ToList();
        var fasta = string.Concat(sequences.Select((s, i) => $">s{i}\n{s}\n"));
        await browser.OpenAsync(server.Page, "predict?model=linear");
        await browser.Page.FillAsync("#f-sequences", fasta);
        await browser.Page.ClickAsync("button[type=submit]");
        await browser.Page.Locator("table tbody tr").Nth(299).WaitForAsync();

        var request = new PredictRequest { Model = "linear" };
        request.Sequences.Add(sequences);
        var expected = await server.Grpc.Models.PredictAsync(request, cancellationToken: Ct);
        var shown = await DataValues(browser.Page, "table tbody td.num");
        Assert.Equal(expected.Predictions.Count * expected.Tasks.Count, shown.Length);
        for (var i = 0; i < expected.Predictions.Count; i++)
            for (var t = 0; t < expected.Tasks.Count; t++)
                Assert.Equal(expected.Predictions[i].Values[t], Value(shown[i * expected.Tasks.Count + t]));
        Assert.Equal("300 sequences predicted by linear", await browser.Page.Locator(".actions .status").InnerTextAsync());

        // A click on a task's header sorts by it (largest first), a second click reverses.
        await browser.Page.ClickAsync("th:has-text('affinity')");
        var sorted = (await DataValues(browser.Page, "table tbody tr td:nth-child(3)")).Select(Value).ToList();
        Assert.Equal(expected.Predictions.Select(p => p.Values[0]).OrderByDescending(v => v), sorted);
        await browser.ScreenshotAsync("predict");
    }

    [Fact]
    public async Task ExplainPage_LogoColumnsAreTheAttributions_InThreeClicksFromTheModelList()
    {
        await using var server = await ExplorerServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync();
        var sequence = "ACGUACGGACUUAGCAUCGAU";
        await browser.OpenAsync(server.Page, "models");
        await browser.Page.ClickAsync("section.card[data-model='motif'] [data-action=explain]");           // click 1
        await browser.Page.Locator("#page[data-page='explain'][data-ready='true']").WaitForAsync();
        await browser.Page.FillAsync("#f-sequence", sequence);
        await browser.Page.ClickAsync("button[type=submit]");                                              // click 2
        await browser.Page.Locator("[data-figure^='in-silico'] svg").WaitForAsync();

        // The page's defaults: integrated gradients, 50 steps, 10 dinucleotide shuffles (seed 1), raw target of the first task.
        var request = new AttributeRequest
        {
            Model = "motif", Method = AttributionMethod.IntegratedGradients, Steps = 50,
            Inputs = new SequenceBatch { Sequences = { sequence }, SequenceIds = { "seq1" }, AllowResize = true },
            Target = new Target { Weights = { ["motif"] = 1 } },
            Baseline = new Baseline { Kind = Baseline.Types.Kind.DinucleotideShuffle, Samples = 10, Seed = 1 },
        };
        using var call = server.Grpc.Interpretation.Attribute(request, cancellationToken: Ct);
        var attribution = (await call.ResponseStream.ReadAllAsync(Ct).ToListAsync(Ct)).Single().Attributions.Single();
        var values = attribution.Maps.Single(m => m.Input == "sequence").Values.ToArray();
        var length = sequence.Length;
        var projected = Enumerable.Range(0, length).Select(i => (double)(values[i] + values[length + i] + values[2 * length + i] + values[3 * length + i])).ToArray();

        var facts = await browser.Page.Locator("[data-facts]").InnerTextAsync();
        var delta = Value(await browser.Page.Locator("[data-fact=convergence-delta]").InnerTextAsync());
        Assert.True(Math.Abs(delta - attribution.ConvergenceDelta) <= Math.Max(1e-4, 1e-3 * Math.Abs(attribution.ConvergenceDelta)), facts);

        // Projected logo (default): one letter per position, the observed base, as tall as the channel sum.
        await AssertColumnHeights(browser.Page, projected, length, sequence);
        await browser.Page.DispatchEventAsync("[data-figure^='attribution'] use.glyph[data-position='8']", "mouseover");
        Assert.Matches(@"position 8\s+base G\s+value", await browser.Page.Locator("[data-figure^='attribution'] .hover").InnerTextAsync());
        await browser.ScreenshotAsync("explain");

        // Per-channel view, one switch away: each channel's letter as tall as its own value.
        await browser.Page.SelectOptionAsync("[data-action=view]", "channels");
        await browser.Page.Locator("[data-figure][data-view='channels']").WaitForAsync();
        var glyphs = await browser.Page.EvalOnSelectorAllAsync<GlyphInfo[]>("[data-figure^='attribution'] use.glyph",
            GlyphScript);
        var perChannel = glyphs.Select(g => (g.Height, Value: (double)values["ACGU".IndexOf(g.Base, StringComparison.Ordinal) * length + g.Position - 1])).ToList();
        AssertProportional(perChannel);
        Assert.Equal(values.Count(v => v != 0), glyphs.Length);

        // The ISM heatmap: one cell per base and position, valued as Mutagenesis answers.
        var ism = new MutagenesisRequest { Model = "motif", Inputs = request.Inputs, Target = request.Target };
        using var ismCall = server.Grpc.Interpretation.Mutagenesis(ism, cancellationToken: Ct);
        var mutagenesis = (await ismCall.ResponseStream.ReadAllAsync(Ct).ToListAsync(Ct)).Single();
        var cells = await DataValues(browser.Page, "[data-figure^='in-silico'] rect.cell");
        Assert.Equal(mutagenesis.TargetDeltas.Count, cells.Length);
        for (var k = 0; k < cells.Length; k++) Assert.Equal(mutagenesis.TargetDeltas[k], (float)Value(cells[k]));
        await browser.ScreenshotAsync("explain-per-channel");
    }

    /// <summary>Each letter's data- attributes and its drawn height: the y scale of the transform that maps the glyph's unit box.</summary>
    private const string GlyphScript =
        "els => els.map(e => ({ position: +e.dataset.position, base: e.dataset.base, height: e.transform.baseVal.consolidate().matrix.d }))";

    /// <summary>One letter of a logo as the SVG describes it (a class with setters: Playwright fills it from JSON).</summary>
    private sealed class GlyphInfo
    {
        public int Position { get; set; }
        public string Base { get; set; } = "";
        public double Height { get; set; }
    }

    private static async Task AssertColumnHeights(IPage page, double[] projected, int length, string sequence)
    {
        var glyphs = await page.EvalOnSelectorAllAsync<GlyphInfo[]>("[data-figure^='attribution'] use.glyph",
            GlyphScript);
        Assert.Equal(projected.Count(v => v != 0), glyphs.Length);
        // data-position is 1-based, as the x axis numbers positions.
        foreach (var g in glyphs) Assert.Equal(sequence[g.Position - 1].ToString(), g.Base);
        AssertProportional([.. glyphs.Select(g => (g.Height, projected[g.Position - 1]))]);
        Assert.Equal(length, projected.Length);
    }

    /// <summary>Letter heights in pixels are |value| × one scale for the whole logo (the SVG rounds to 0.01 px).</summary>
    private static void AssertProportional(IReadOnlyList<(double Height, double Value)> glyphs)
    {
        var tallest = glyphs.MaxBy(g => g.Height);
        var scale = tallest.Height / Math.Abs(tallest.Value);
        foreach (var (height, value) in glyphs)
            Assert.True(Math.Abs(height - scale * Math.Abs(value)) <= 0.02 + 1e-3 * height, $"height {height} for value {value} at scale {scale}");
    }

    [Fact]
    public async Task VariantPage_EffectsArePredictDifferencesOnBothStrands()
    {
        await using var server = await ExplorerServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync();
        const string window = "AUCGAUCGGACUUAGCAUCGA"; // 21 bases = the motif model's length; the variant sits in the middle
        await browser.OpenAsync(server.Page, "variant?model=motif");
        await browser.Page.FillAsync("#f-sequence", window);
        await browser.Page.FillAsync("#f-position", "11");
        await browser.Page.FillAsync("#f-ref", "C");
        await browser.Page.FillAsync("#f-alt", "A");
        await browser.Page.ClickAsync("button[type=submit]");
        await browser.Page.Locator("[data-figure^='in-silico'] svg").WaitForAsync();

        var reference = window.Replace('U', 'T');
        var alternative = reference[..10] + "A" + reference[11..];
        var request = new PredictRequest { Model = "motif" };
        request.Sequences.Add([reference, alternative, Nucleotides.ReverseComplement(reference), Nucleotides.ReverseComplement(alternative)]);
        var expected = await server.Grpc.Models.PredictAsync(request, cancellationToken: Ct);
        var rows = await browser.Page.EvalOnSelectorAllAsync<string[][]>("table tbody tr",
            "rows => rows.map(r => [...r.children].map(td => td.dataset.value ?? td.textContent))");
        foreach (var (task, t) in expected.Tasks.Select((task, t) => (task, t)))
        {
            var row = rows.Single(r => r[0] == "motif" && r[1] == task);
            var p = expected.Predictions;
            Assert.Equal(p[1].Values[t] - p[0].Values[t], Value(row[4]));
            Assert.Equal(p[3].Values[t] - p[2].Values[t], Value(row[7]));
        }
        Assert.Equal(2, rows.Count(r => r[0] == "linear"));
        await browser.ScreenshotAsync("variant");
    }

    [Fact]
    public async Task GiaPage_RankedKmersAreTheGlobalImportanceAnswer()
    {
        await using var server = await ExplorerServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync();
        var random = new Random(11);
        var reference = Enumerable.Range(0, 60).Select(_ => RandomSequence(random, 21)).ToList();
        await browser.OpenAsync(server.Page, "gia?model=motif");
        await browser.Page.FillAsync("#f-reference", string.Join('\n', reference));
        await browser.Page.FillAsync("#f-count", "50");
        await browser.Page.FillAsync("#f-k", "4");
        await browser.Page.FillAsync("#f-position", "8");
        await browser.Page.FillAsync("#f-top", "20");
        await browser.Page.ClickAsync("button[type=submit]");
        await browser.Page.Locator("table tbody tr").Nth(19).WaitForAsync();

        var request = new GlobalImportanceRequest
        {
            Model = "motif", Target = new Target { Weights = { ["motif"] = 1 } },
            Background = new Background { Kind = Background.Types.Kind.DinucleotideShuffle, Count = 50, Seed = 1, Reference = new SequenceBatch { AllowResize = true } },
            KmerScan = new KmerScanExperiment { K = 4, Position = 8, Top = 20 },
        };
        request.Background.Reference.Sequences.Add(reference);
        request.Background.Reference.SequenceIds.Add(reference.Select((_, i) => $"seq{i + 1}"));
        using var call = server.Grpc.Interpretation.GlobalImportance(request, cancellationToken: Ct);
        var conditions = (await call.ResponseStream.ReadAllAsync(Ct).ToListAsync(Ct)).SelectMany(r => r.Conditions).ToList();
        var rows = await browser.Page.EvalOnSelectorAllAsync<string[][]>("table tbody tr",
            "rows => rows.map(r => [...r.children].map(td => td.dataset.value ?? td.textContent))");
        Assert.Equal(conditions.Count, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(string.IsNullOrEmpty(conditions[i].Pattern) ? conditions[i].Label : conditions[i].Pattern, rows[i][1]);
            Assert.Equal(conditions[i].GlobalImportance, Value(rows[i][2]));
        }
        Assert.Equal("GGAC", rows[0][1]); // the model detects GGAC: the scan ranks it first
        await browser.Page.Locator("[data-figure='k-mer alignment motif'] svg").WaitForAsync();
        await browser.ScreenshotAsync("gia");
    }

    [Fact]
    public async Task BadInput_ShowsTheStatusMessageNextToTheField()
    {
        await using var server = await ExplorerServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync();
        const string bad = "ACGUACGUACXUACGUACGU";
        await browser.OpenAsync(server.Page, "predict?model=linear");
        await browser.Page.FillAsync("#f-sequences", bad);
        await browser.Page.ClickAsync("button[type=submit]");
        var slot = browser.Page.Locator("[data-error-for=sequences]");
        await browser.Page.Locator("[data-error-for=sequences]:not(:empty)").WaitForAsync();

        var request = new PredictRequest { Model = "linear", SequenceIds = { "seq1" } };
        request.Sequences.Add(bad);
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Grpc.Models.PredictAsync(request, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"INVALID_ARGUMENT: {error.Status.Detail}", await slot.InnerTextAsync());
        await browser.ScreenshotAsync("predict-bad-input");

        // The explain page routes a limit named by the server to its field.
        await browser.OpenAsync(server.Page, "explain?model=motif");
        await browser.Page.FillAsync("#f-sequence", "ACGUACGGACUUAGCAUCGAU");
        await browser.Page.FillAsync("#f-steps", "-3");
        await browser.Page.ClickAsync("button[type=submit]");
        await browser.Page.Locator("[data-error-for=steps]:not(:empty)").WaitForAsync();
        Assert.StartsWith("INVALID_ARGUMENT: steps", await browser.Page.Locator("[data-error-for=steps]").InnerTextAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("explain-bad-input");
    }

    [Fact]
    public async Task DeadServer_ShowsAnErrorInsteadOfHanging()
    {
        var server = await ExplorerServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync();
        try
        {
            await browser.OpenAsync(server.Page, "predict?model=linear");
        }
        finally
        {
            await server.DisposeAsync();
        }
        await browser.Page.FillAsync("#f-sequences", "ACGUACGUACGUACGUACGU");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await browser.Page.ClickAsync("button[type=submit]");
        await browser.Page.Locator("[data-error-for=sequences]:not(:empty)").WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        Assert.Contains("cannot reach the server", await browser.Page.Locator("[data-error-for=sequences]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15));
        Assert.True(await browser.Page.Locator("button[type=submit]").IsEnabledAsync());
    }

    [Fact]
    public async Task Token_IsAskedForAndSentAsTheBearerHeader()
    {
        await using var server = await ExplorerServer.StartAsync(token: "s3cret-token");
        await using var browser = await BrowserSession.StartAsync();
        await browser.OpenAsync(server.Page, "models");
        Assert.Contains("UNAUTHENTICATED", await browser.Page.Locator("[data-error-for=page]").InnerTextAsync(), StringComparison.Ordinal);
        await browser.Page.FillAsync("#token", "wrong");
        await browser.Page.DispatchEventAsync("#token", "change");
        await browser.Page.Locator("#page[data-ready='true'] [data-error-for=page]").WaitForAsync();
        Assert.Contains("UNAUTHENTICATED", await browser.Page.Locator("[data-error-for=page]").InnerTextAsync(), StringComparison.Ordinal);
        await browser.Page.FillAsync("#token", "s3cret-token");
        await browser.Page.DispatchEventAsync("#token", "change");
        await browser.Page.Locator("section.card[data-model='motif']").WaitForAsync();
    }

    [Fact]
    public async Task Cancel_EndsTheServerSideCall()
    {
        // Limits raised so that the scan below runs for minutes unless it is cancelled.
        await using var server = await ExplorerServer.StartAsync(configure: o => o.Interpretation = new Hosting.InterpretationLimits
        {
            MaxBackgrounds = 1_000_000, MaxEvaluations = 10_000_000_000,
        });
        await using var browser = await BrowserSession.StartAsync();
        var random = new Random(3);
        await browser.OpenAsync(server.Page, "gia?model=motif");
        await browser.Page.FillAsync("#f-reference", string.Join('\n', Enumerable.Range(0, 50).Select(_ => RandomSequence(random, 21))));
        await browser.Page.FillAsync("#f-count", "200000");
        await browser.Page.FillAsync("#f-k", "6"); // 4,096 k-mers × 200,000 backgrounds: far longer than the test
        await browser.Page.ClickAsync("button[type=submit]");
        // Cancel once the server has the request: a click within the first milliseconds can abort the fetch while the
        // server still reads its body, and then the method never starts (nothing to cancel, and nothing to observe).
        var started = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!server.Logs.Entries.Any(e => e.Message.Contains("Reading message", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < started, "the request did not reach the server");
            await Task.Delay(20, Ct);
        }
        await Task.Delay(1000, Ct);
        await browser.Page.ClickAsync("[data-action=cancel]");
        await browser.Page.Locator("[data-error-for=form]:not(:empty)").WaitForAsync();
        Assert.Equal("CANCELLED: cancelled", await browser.Page.Locator("[data-error-for=form]").InnerTextAsync());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!server.Logs.Entries.Any(e => e.Message.Contains("GlobalImportance cancelled", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not see the call cancelled: " +
                string.Join(" | ", server.Logs.Entries.Where(e => e.Level >= LogLevel.Debug).Select(e => e.Message).TakeLast(5)));
            await Task.Delay(50, Ct);
        }
    }
}
