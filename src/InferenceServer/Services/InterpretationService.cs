using RbpPipeline.Contracts.Rbp.V1;
using Rbp = RbpPipeline.Contracts.Rbp.V1;
using Grpc.Core;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Models;
using RbpPipeline.InferenceServer.Interpretation;
using RbpPipeline.Interpretation;
using RbpPipeline.Interpretation.Attribution;
using RbpPipeline.Interpretation.Sequences;
using AttributionBaseline = RbpPipeline.Interpretation.Attribution.Baseline;
using ProtoBaseline = RbpPipeline.Contracts.Rbp.V1.Baseline;
using ProtoIntegrationRule = RbpPipeline.Contracts.Rbp.V1.IntegrationRule;
using ProtoTargetSpace = RbpPipeline.Contracts.Rbp.V1.TargetSpace;
using TargetSpace = RbpPipeline.Interpretation.TargetSpace;

namespace RbpPipeline.InferenceServer.Services;

/// <summary>
/// <c>rbp.v1.InterpretationService</c>: attribution (gradient.onnx), in-silico mutagenesis and global importance
/// analysis (model.onnx) of a served model version, run by the algorithms of RbpPipeline.Interpretation through a
/// <see cref="ServedModelEvaluator"/>. Requests are checked up front (INVALID_ARGUMENT naming the field); results are
/// streamed as they are ready.
/// </summary>
public sealed partial class InterpretationService(ModelRepository repository, Predictor predictor, ServingOptions options, ServerStopping stopping)
    : Rbp.InterpretationService.InterpretationServiceBase
{
    private readonly InterpretationRequestChecks _checks = new(options.Interpretation);

    private const string LimitHint = "Split the inputs over several calls.";
    private const int DefaultSequencesPerResponse = 64;

    public override async Task Attribute(AttributeRequest request, IServerStreamWriter<AttributeResponse> responses, ServerCallContext context)
    {
        using var call = stopping.Link(context);
        var ct = call.Token;
        using var lease = Lease(request.Model, request.Version);
        var model = lease.Model;
        var evaluator = Evaluator(model);
        if (evaluator.GradientUnavailableReason is { } reason) throw new RpcException(new Status(StatusCode.FailedPrecondition, reason));
        var target = Target(model, request.Target);
        var (inputs, rows) = predictor.Encode(model, request.Inputs ?? throw Missing("inputs"), LimitHint);
        _checks.Attribute(request, rows);
        var perResponse = request.SequencesPerResponse > 0 ? request.SequencesPerResponse : DefaultSequencesPerResponse;
        var integrated = request.Method == AttributionMethod.IntegratedGradients
            ? new IntegratedGradients(evaluator, target, new IntegratedGradientsOptions
            {
                Steps = request.Steps > 0 ? request.Steps : InterpretationRequestChecks.DefaultSteps,
                Rule = Rule(request.Rule),
                Hypothetical = request.Hypothetical,
            })
            : null;
        var baselines = integrated is null ? null : Baselines(model, request);
        // Chunks of rows are computed and sent one after another, so memory stays bounded by the chunk.
        for (var start = 0; start < rows; start += perResponse)
        {
            var count = Math.Min(perResponse, rows - start);
            var chunk = Slice(model, inputs, start, count);
            var response = new AttributeResponse { Model = model.Name, Version = model.Version };
            if (integrated is not null)
            {
                var results = await integrated.ExplainAsync(chunk, count, baselines!, ct).ConfigureAwait(false);
                for (var r = 0; r < count; r++)
                {
                    var result = results[r];
                    var attribution = NewAttribution(model, request.Inputs, chunk, start, r, result.Attributions);
                    attribution.Prediction = result.Score;
                    attribution.BaselinePrediction = result.BaselineScore;
                    attribution.ConvergenceDelta = result.ConvergenceDelta;
                    if (result.Hypothetical is { } hypothetical) attribution.Hypothetical = Map(model.Manifest.Inputs[0], hypothetical);
                    response.Attributions.Add(attribution);
                }
            }
            else
            {
                var saliency = new Saliency(evaluator, target);
                var results = await saliency.ComputeAsync(chunk, count, ct).ConfigureAwait(false);
                for (var r = 0; r < count; r++)
                {
                    var maps = request.Method == AttributionMethod.Saliency ? results[r].Gradients : results[r].GradientTimesInput;
                    var attribution = NewAttribution(model, request.Inputs, chunk, start, r, maps);
                    attribution.Prediction = results[r].Score;
                    response.Attributions.Add(attribution);
                }
            }
            await responses.WriteAsync(response, ct).ConfigureAwait(false);
        }
    }

    public override async Task Mutagenesis(MutagenesisRequest request, IServerStreamWriter<MutagenesisResponse> responses, ServerCallContext context)
    {
        using var call = stopping.Link(context);
        var ct = call.Token;
        using var lease = Lease(request.Model, request.Version);
        var model = lease.Model;
        var evaluator = Evaluator(model);
        var target = Target(model, request.Target);
        var (inputs, rows) = predictor.Encode(model, request.Inputs ?? throw Missing("inputs"), LimitHint);
        var length = model.Manifest.Encoding.Length;
        PositionWindow? window = null;
        if (request.WindowLength != 0 || request.WindowStart != 0)
        {
            var width = request.WindowLength == 0 ? length - request.WindowStart : request.WindowLength;
            if (request.WindowStart < 0 || width < 1 || request.WindowStart + width > length)
                throw new ArgumentException(
                    $"window_start {request.WindowStart} and window_length {request.WindowLength} do not fit model {model.Name}'s length {length}");
            window = new PositionWindow(request.WindowStart, width);
        }
        _checks.Mutagenesis(rows, window?.Length ?? length);
        var scanner = new InSilicoMutagenesis(evaluator, target);
        var columns = RbpPipeline.Interpretation.PredictionTarget.ColumnNames(model.Manifest.Tasks);
        // Several sequences per scan when their mutants fit in one evaluator batch (a window of one position
        // yields only 3 mutants); each sequence is still answered in its own message.
        var mutants = 3 * (window?.Length ?? length);
        var perScan = Math.Max(1, evaluator.PreferredBatchSize / mutants);
        for (var start = 0; start < rows; start += perScan)
        {
            var count = Math.Min(perScan, rows - start);
            var chunk = Slice(model, inputs, start, count);
            var results = await scanner.ScanAsync(chunk, count, window, ct).ConfigureAwait(false);
            for (var i = 0; i < count; i++)
            {
                var r = start + i;
                var result = results[i];
                var response = new MutagenesisResponse
                {
                    Model = model.Name,
                    Version = model.Version,
                    Index = r,
                    SequenceId = r < request.Inputs.SequenceIds.Count ? request.Inputs.SequenceIds[r] : "",
                    Sequence = DecodeSequence(chunk[0].AsSpan(i * 4 * length, 4 * length), length),
                    WindowStart = result.WindowStart,
                    WindowLength = result.WindowLength,
                    ReferenceScore = result.ReferenceScore,
                };
                response.Columns.AddRange(columns);
                response.ReferenceRaw.AddRange(result.ReferenceRaw);
                response.RawDeltas.AddRange(result.RawDeltas);
                response.TargetDeltas.AddRange(result.TargetDeltas);
                response.PositionNorms.AddRange(result.Heights);
                await responses.WriteAsync(response, ct).ConfigureAwait(false);
            }
        }
    }

    private ModelLease Lease(string name, long version) => Predictor.LeaseRequested(repository, name, version);

    private ServedModelEvaluator Evaluator(ServedModel model) => new(model, Math.Max(options.MaxBatchSize, 256));

    private static RbpPipeline.Interpretation.PredictionTarget Target(ServedModel model, Target? target)
    {
        var space = target?.Space == ProtoTargetSpace.Probability ? TargetSpace.Probability : TargetSpace.Raw;
        var weights = target?.Weights.ToDictionary(kv => kv.Key, kv => kv.Value) ?? [];
        return Checked(() => RbpPipeline.Interpretation.PredictionTarget.ForTasks(model.Manifest.Tasks, weights, space), "target: ");
    }

    private static RbpPipeline.Interpretation.Attribution.IntegrationRule Rule(ProtoIntegrationRule rule) => rule switch
    {
        ProtoIntegrationRule.GaussLegendre => RbpPipeline.Interpretation.Attribution.IntegrationRule.GaussLegendre,
        ProtoIntegrationRule.RiemannLeft => RbpPipeline.Interpretation.Attribution.IntegrationRule.RiemannLeft,
        ProtoIntegrationRule.RiemannRight => RbpPipeline.Interpretation.Attribution.IntegrationRule.RiemannRight,
        ProtoIntegrationRule.RiemannMiddle => RbpPipeline.Interpretation.Attribution.IntegrationRule.RiemannMiddle,
        ProtoIntegrationRule.Trapezoid => RbpPipeline.Interpretation.Attribution.IntegrationRule.Trapezoid,
        _ => throw new ArgumentException($"rule {(int)rule} is not an integration rule"),
    };

    private AttributionBaselines Baselines(ServedModel model, AttributeRequest request)
    {
        var sequence = Baseline(model, request.Baseline, "baseline");
        var others = new Dictionary<string, AttributionBaseline>(StringComparer.Ordinal);
        foreach (var (name, baseline) in request.InputBaselines)
        {
            if (model.Manifest.Inputs.All(i => i.Name != name) || name == model.Manifest.Inputs[0].Name)
                throw new ArgumentException(
                    $"input_baselines names '{name}', which is not one of model {model.Name}'s other inputs ({string.Join(", ", model.Manifest.Inputs.Skip(1).Select(i => i.Name))})");
            others[name] = Baseline(model, baseline, $"input_baselines['{name}']");
        }
        return new AttributionBaselines(sequence) { Others = others };
    }

    private AttributionBaseline Baseline(ServedModel model, ProtoBaseline? baseline, string field)
    {
        if (baseline is null) return AttributionBaseline.Zeros;
        var samples = baseline.Samples > 0 ? baseline.Samples : 10;
        var seed = unchecked((int)baseline.Seed);
        return baseline.Kind switch
        {
            ProtoBaseline.Types.Kind.Zeros => AttributionBaseline.Zeros,
            ProtoBaseline.Types.Kind.Uniform => AttributionBaseline.Uniform,
            ProtoBaseline.Types.Kind.Frequencies => Checked(() => AttributionBaseline.Frequencies([.. baseline.Frequencies]), $"{field}.frequencies: "),
            ProtoBaseline.Types.Kind.Shuffle => AttributionBaseline.Shuffles(samples, seed),
            ProtoBaseline.Types.Kind.DinucleotideShuffle => AttributionBaseline.DinucleotideShuffles(samples, seed),
            ProtoBaseline.Types.Kind.ReferenceLowest => Reference(model, baseline, field, (inputs, rows) =>
                AttributionBaseline.LowestScoring(inputs, rows, Math.Min(rows, baseline.Lowest > 0 ? baseline.Lowest : 100))),
            ProtoBaseline.Types.Kind.Custom => Reference(model, baseline, field, (inputs, rows) =>
                AttributionBaseline.Custom([.. Enumerable.Range(0, rows).Select(r => inputs[0].AsSpan(r * (inputs[0].Length / rows), inputs[0].Length / rows).ToArray())])),
            _ => throw new ArgumentException($"{field}.kind {(int)baseline.Kind} is not a baseline kind"),
        };
    }

    private AttributionBaseline Reference(ServedModel model, ProtoBaseline baseline, string field, Func<float[][], int, AttributionBaseline> build)
    {
        if (baseline.Sequences is null || (baseline.Sequences.Sequences.Count == 0 && baseline.Sequences.Encoded.Count == 0))
            throw new ArgumentException($"{field}: kind {baseline.Kind} needs sequences");
        var (inputs, rows) = predictor.Encode(model, baseline.Sequences, LimitHint);
        return Checked(() => build(inputs, rows), $"{field}: ");
    }

    private static Attribution NewAttribution(ServedModel model, SequenceBatch batch, float[][] chunk, int start, int row, IReadOnlyList<float[]> maps)
    {
        var index = start + row;
        var attribution = new Attribution
        {
            Index = index,
            SequenceId = index < batch.SequenceIds.Count ? batch.SequenceIds[index] : "",
            Sequence = DecodeSequence(chunk[0].AsSpan(row * 4 * model.Manifest.Encoding.Length, 4 * model.Manifest.Encoding.Length), model.Manifest.Encoding.Length),
        };
        for (var i = 0; i < maps.Count; i++) attribution.Maps.Add(Map(model.Manifest.Inputs[i], maps[i]));
        return attribution;
    }

    private static AttributionMap Map(Contracts.Manifests.InputInfo input, float[] values)
    {
        var map = new AttributionMap { Input = input.Name, Length = input.Length };
        map.Channels.AddRange(input.Channels);
        map.Values.AddRange(values);
        return map;
    }

    private static string DecodeSequence(ReadOnlySpan<float> oneHot, int length)
    {
        var codes = new byte[length];
        NucleotideCodes.FromOneHot(oneHot[..(4 * length)], codes);
        return NucleotideCodes.ToString(codes);
    }

    /// <summary>Rows [start, start + count) of every input.</summary>
    private static float[][] Slice(ServedModel model, float[][] inputs, int start, int count)
    {
        var slices = new float[inputs.Length][];
        for (var i = 0; i < inputs.Length; i++)
        {
            var size = model.Manifest.Inputs[i].Channels.Count * model.Manifest.Inputs[i].Length;
            slices[i] = inputs[i].AsSpan(start * size, count * size).ToArray();
        }
        return slices;
    }

    private static ArgumentException Missing(string field) => new($"the request has no '{field}'");

    /// <summary>Puts the request field in front of an algorithm's argument error (INVALID_ARGUMENT, from the interceptor).</summary>
    private static T Checked<T>(Func<T> action, string prefix = "")
    {
        try
        {
            return action();
        }
        catch (ArgumentException e) when (prefix.Length > 0)
        {
            throw new ArgumentException(prefix + e.Message, e);
        }
    }
}
