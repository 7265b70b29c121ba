using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Interpretation.Backgrounds;
using Case = RbpPipeline.Contracts.Rbp.V1.GlobalImportanceRequest.ExperimentOneofCase;

namespace RbpPipeline.InferenceServer.Services;

/// <summary>
/// Bounds every interpretation request before any work starts: negative counts are INVALID_ARGUMENT, counts above
/// <see cref="InterpretationLimits"/> RESOURCE_EXHAUSTED; both messages name the field, its value and the limit.
/// </summary>
public sealed class InterpretationRequestChecks(InterpretationLimits limits)
{
    public const int DefaultSteps = 50;
    public const int DefaultBaselineSamples = 10;

    /// <summary>Checks an Attribute request over <paramref name="rows"/> sequences.</summary>
    public void Attribute(AttributeRequest request, int rows)
    {
        NotNegative("steps", request.Steps);
        NotNegative("sequences_per_response", request.SequencesPerResponse);
        var steps = request.Steps > 0 ? request.Steps : DefaultSteps;
        AtMost("steps", steps, limits.MaxSteps, "--max-ig-steps");
        var samples = Samples(request.Baseline, "baseline");
        foreach (var (name, baseline) in request.InputBaselines)
            samples = Math.Max(samples, Samples(baseline, $"input_baselines['{name}']"));
        if (request.Method == AttributionMethod.IntegratedGradients)
            Evaluations($"{rows} sequences × {steps + 2} steps × {samples} baselines", (long)rows * (steps + 2) * samples);
        else
            Evaluations($"{rows} sequences", rows);
    }

    /// <summary>Checks a Mutagenesis request over <paramref name="rows"/> sequences of <paramref name="length"/> positions.</summary>
    public void Mutagenesis(int rows, int length) =>
        Evaluations($"{rows} sequences × 3 × {length} positions", (long)rows * (3L * length + 1));

    /// <summary>Checks a GlobalImportance request before its backgrounds are made.</summary>
    public void GlobalImportance(GlobalImportanceRequest request, int sequenceLength)
    {
        var background = request.Background;
        if (background is not null)
        {
            NotNegative("background.count", background.Count);
            AtMost("background.count", background.Count, limits.MaxBackgrounds, "--max-backgrounds");
        }
        var backgrounds = background is { Count: > 0 } ? background.Count : BackgroundSource.DefaultCount;
        long conditions;
        switch (request.ExperimentCase)
        {
            case Case.Embed:
                conditions = 1;
                break;
            case Case.KmerScan:
            {
                var scan = request.KmerScan;
                NotNegative("kmer_scan.k", scan.K);
                NotNegative("kmer_scan.top", scan.Top);
                NotNegative("kmer_scan.motif_kmers", scan.MotifKmers);
                NotNegative("kmer_scan.position", scan.Position);
                if (scan.K == 0) throw new ArgumentException("kmer_scan.k is 0; scan k-mers of length 1 or more");
                var kmers = scan.K >= 31 ? long.MaxValue : 1L << (2 * scan.K);
                if (kmers > limits.MaxKmers)
                    throw new RequestLimitException(
                        $"kmer_scan.k {scan.K} means {kmers} k-mers; the limit is {limits.MaxKmers} (rbp serve --max-kmers)");
                conditions = kmers;
                break;
            }
            case Case.Positional:
                conditions = request.Positional.Positions.Count > 0 ? request.Positional.Positions.Count : sequenceLength;
                break;
            case Case.MutationScan:
                conditions = 3L * (request.MutationScan.Pattern?.Sequence.Length ?? 0) + 1;
                break;
            case Case.MultipleSites:
                conditions = request.MultipleSites.Positions.Count;
                break;
            case Case.Spacing:
                conditions = request.Spacing.Spacings.Count;
                break;
            case Case.Context:
                NotNegative("context.gc_block", request.Context.GcBlock);
                NotNegative("context.stem", request.Context.Stem);
                NotNegative("context.loop", request.Context.Loop);
                conditions = 2;
                break;
            default:
                conditions = 0;
                break;
        }
        Evaluations($"{backgrounds} backgrounds × {conditions + 1} conditions", backgrounds * (conditions + 1));
    }

    private int Samples(Baseline? baseline, string field)
    {
        if (baseline is null) return 1;
        NotNegative($"{field}.samples", baseline.Samples);
        NotNegative($"{field}.lowest", baseline.Lowest);
        if (baseline.Kind is not (Baseline.Types.Kind.Shuffle or Baseline.Types.Kind.DinucleotideShuffle)) return 1;
        var samples = baseline.Samples > 0 ? baseline.Samples : DefaultBaselineSamples;
        AtMost($"{field}.samples", samples, limits.MaxBaselineSamples, "--max-baseline-samples");
        return samples;
    }

    private void Evaluations(string what, long evaluations)
    {
        if (evaluations > limits.MaxEvaluations)
            throw new RequestLimitException(
                $"the request needs {evaluations} model evaluations ({what}); the limit is {limits.MaxEvaluations} per request " +
                "(rbp serve --max-evaluations). Split it over several calls.");
    }

    private static void NotNegative(string field, long value)
    {
        if (value < 0) throw new ArgumentException($"{field} is {value}; it must not be negative (0 means the default)");
    }

    private static void AtMost(string field, long value, long limit, string option)
    {
        if (value > limit) throw new RequestLimitException($"{field} is {value}; the limit is {limit} (rbp serve {option})");
    }
}
