using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Gia;

namespace RbpPipeline.Interpretation.Tests.Gia;

/// <summary>Conditions are read back by the handle their table issued, so their order in the table cannot mislabel a result.</summary>
public sealed class ConditionTableTests
{
    private const int Length = 30;

    private static readonly BackgroundSet Backgrounds = BackgroundSet.FromStrings(
        [.. Enumerable.Range(0, 60).Select(i => Oracle.RandomSequence(new Random(100 + i), Length))]);

    private static GlobalImportanceAnalysis Analysis() =>
        new(new ClosedFormEvaluator(Length, Oracle.MotifModel, batchSize: 32), Oracle.RawTarget, Backgrounds, new GiaOptions { KeepLocalEffects = true });

    /// <summary>Three conditions with clearly different importances (≈ 2, ≈ 0.5, ≈ 2.5 under the motif model), by name.</summary>
    private static readonly (string Name, PatternPlacement[] Placements)[] Named =
    [
        ("pum", [new("UGUAUA", 3)]),
        ("qki", [new("ACUAAC", 14)]),
        ("both", [new("UGUAUA", 3), new("ACUAAC", 14)]),
    ];

    private static string Embedded(string background, PatternPlacement[] placements) =>
        placements.Aggregate(background, (s, p) => Oracle.Embed(s, p.Pattern, p.Position));

    [Fact]
    public async Task Reordering_the_conditions_keeps_every_result_bound_to_its_name()
    {
        var ct = TestContext.Current.CancellationToken;
        var gia = Analysis();
        var strings = Oracle.Strings(Backgrounds);

        var forward = gia.NewConditions();
        var forwardHandles = Named.ToDictionary(c => c.Name, c => forward.Add(c.Name, c.Placements));
        var reversed = gia.NewConditions();
        var reversedHandles = Named.Reverse().ToDictionary(c => c.Name, c => reversed.Add(c.Name, c.Placements));
        var first = await gia.RunAsync(forward, ct);
        var second = await gia.RunAsync(reversed, ct);

        foreach (var (name, placements) in Named)
        {
            var expected = Oracle.Importance(strings, s => Embedded(s, placements), Oracle.MotifModel);
            foreach (var (result, handle) in new[] { (first, forwardHandles[name]), (second, reversedHandles[name]) })
            {
                Assert.Equal(name, handle.Label);
                Assert.Equal(name, result[handle].Label);
                Assert.Equal(expected.Mean, result[handle].Mean, 1e-9);
                Assert.Equal(expected.StandardError, result[handle].StandardError, 1e-9);
                Assert.Equal(expected.Effects, result.LocalEffects(handle).ToArray().Select(e => (double)e), (a, b) => Math.Abs(a - b) < 1e-5);
            }
        }
        // Read by position the two orders disagree: the first slot holds different conditions with different means.
        Assert.Equal(["pum", "qki", "both"], first.Conditions.Select(c => c.Label));
        Assert.Equal(["both", "qki", "pum"], second.Conditions.Select(c => c.Label));
        Assert.True(Math.Abs(first.Conditions[0].Mean - second.Conditions[0].Mean) > 0.3);
    }

    [Fact]
    public async Task A_handle_is_refused_by_the_result_of_another_table()
    {
        var ct = TestContext.Current.CancellationToken;
        var gia = Analysis();
        var one = gia.NewConditions();
        var pum = one.Add("pum", new PatternPlacement("UGUAUA", 3));
        var other = gia.NewConditions();
        other.Add("qki", new PatternPlacement("ACUAAC", 14));
        var result = await gia.RunAsync(other, ct);
        var e = Assert.Throws<ArgumentException>(() => result[pum]);
        Assert.Contains("'pum'", e.Message);
        Assert.Throws<ArgumentException>(() => result.LocalEffects(pum).Length);
    }

    [Fact]
    public async Task Bad_conditions_are_named()
    {
        var gia = Analysis();
        var table = gia.NewConditions();
        var e = Assert.Throws<ArgumentException>(() => table.Add("empty"));
        Assert.Contains("'empty'", e.Message);
        e = Assert.Throws<ArgumentException>(() => table.Add("late", new PatternPlacement("UGUAUA", 27)));
        Assert.Contains("'UGUAUA' at position 27", e.Message);
        Assert.Contains("length 30", e.Message);
        Assert.Equal(0, table.Count);

        var wrongLength = new ConditionTable(40);
        wrongLength.Add("pum", new PatternPlacement("UGUAUA", 3));
        e = await Assert.ThrowsAsync<ArgumentException>(() => gia.RunAsync(wrongLength, TestContext.Current.CancellationToken));
        Assert.Contains("40", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => gia.RunAsync(gia.NewConditions(), TestContext.Current.CancellationToken));
    }
}
