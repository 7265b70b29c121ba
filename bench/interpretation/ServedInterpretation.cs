using Grpc.Core;
using RbpPipeline.Contracts.Rbp.V1;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>The two served workloads, as a client asks for them over gRPC.</summary>
public sealed class ServedInterpretation(InterpretationService.InterpretationServiceClient client, string model)
{
    /// <summary>
    /// Integrated gradients (Gauss–Legendre, zeros baseline) of raw sequences, which the server encodes; one response
    /// per <paramref name="perResponse"/> inputs. Returns the attribution maps [4, length] in input order.
    /// </summary>
    public async Task<List<float[]>> IntegratedGradientsAsync(IReadOnlyList<string> sequences, int steps, int perResponse, CancellationToken ct)
    {
        var request = new AttributeRequest
        {
            Model = model,
            Inputs = Batch(sequences),
            Method = AttributionMethod.IntegratedGradients,
            Steps = steps,
            Rule = IntegrationRule.GaussLegendre,
            Baseline = new Baseline { Kind = Baseline.Types.Kind.Zeros },
            SequencesPerResponse = perResponse,
        };
        var maps = new List<float[]>(sequences.Count);
        using var call = client.Attribute(request, cancellationToken: ct);
        await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
            foreach (var attribution in response.Attributions)
                maps.Add([.. attribution.Maps.Single(m => m.Input == "sequence").Values]);
        return maps;
    }

    /// <summary>
    /// A k-mer scan at <paramref name="position"/> over dinucleotide shuffles of <paramref name="reference"/>, read to
    /// the final summary message. Returns the top condition's pattern and the background count the server used.
    /// </summary>
    public async Task<(string TopKmer, int Backgrounds, int Conditions)> KmerScanAsync(int k, int position, IReadOnlyList<string> reference,
        int backgrounds, CancellationToken ct)
    {
        var request = new GlobalImportanceRequest
        {
            Model = model,
            KmerScan = new KmerScanExperiment { K = k, Position = position },
            Background = new Background
            {
                Kind = Background.Types.Kind.DinucleotideShuffle,
                Count = backgrounds,
                Seed = 3,
                Reference = Batch(reference),
            },
        };
        var conditions = new List<Condition>();
        GlobalImportanceResponse? last = null;
        using var call = client.GlobalImportance(request, cancellationToken: ct);
        await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
        {
            conditions.AddRange(response.Conditions);
            last = response;
        }
        if (last is not { Done: true }) throw new InvalidOperationException("the GlobalImportance stream ended without its summary message");
        var top = conditions.MaxBy(c => c.GlobalImportance)?.Pattern ?? "";
        return (top, last.Backgrounds, conditions.Count);
    }

    private static SequenceBatch Batch(IEnumerable<string> sequences)
    {
        var batch = new SequenceBatch();
        batch.Sequences.AddRange(sequences);
        return batch;
    }
}
