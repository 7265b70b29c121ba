using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Models;

namespace RbpPipeline.InferenceServer.Services;

/// <summary>
/// Turns a <see cref="PredictRequest"/> into a <see cref="PredictResponse"/>: resolves and leases the model version,
/// encodes raw sequences with the model's own <see cref="EncodingSpec"/> (the Contracts encoder) or checks
/// pre-encoded tensors, runs them through the version's dynamic batcher and maps the outputs back to the data's
/// scale. Client errors are thrown as <see cref="ArgumentException"/> (INVALID_ARGUMENT) or
/// <see cref="RequestLimitException"/> (RESOURCE_EXHAUSTED); the exception interceptor turns them into statuses.
/// </summary>
public sealed class Predictor(ModelRepository repository, ServingOptions options)
{
    /// <param name="limitHint">Appended to RESOURCE_EXHAUSTED messages (unary calls point to PredictStream).</param>
    public async Task<PredictResponse> PredictAsync(PredictRequest request, string limitHint, CancellationToken cancellationToken)
    {
        using var lease = LeaseRequested(repository, request.Model, request.Version);
        var model = lease.Model;
        SelectColumns(model, request.Tasks);
        var (inputs, rows) = Encode(model, new BatchFields(request.Sequences, request.SequenceIds, request.Encoded, request.AllowResize), limitHint);
        var outputs = await RunAsync(model, inputs, rows, cancellationToken).ConfigureAwait(false);
        return BuildResponse(model, request, rows, outputs);
    }

    /// <summary>An rbp.v1 request's model version (0: the latest); a missing name or a negative version is INVALID_ARGUMENT.</summary>
    public static ModelLease LeaseRequested(ModelRepository repository, string name, long version)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("the request names no model");
        if (version < 0) throw new ArgumentException($"version {version} is invalid (0 means the latest)");
        return Lease(repository, name, version);
    }

    /// <summary>Leases a version (0: the latest); an unknown model or version throws <see cref="ModelNotFoundException"/> (NOT_FOUND).</summary>
    public static ModelLease Lease(ModelRepository repository, string name, long version) => repository.Acquire(name, version);

    /// <summary>Runs rows through the model's batcher.</summary>
    public static Task<float[][]> RunAsync(ServedModel model, float[][] inputs, int rows, CancellationToken cancellationToken) =>
        model.Batcher.InferAsync(inputs, rows, cancellationToken);

    /// <summary>
    /// The model's input arrays for a batch: raw sequences encoded with the model's own encoding specification, or
    /// pre-encoded tensors checked against the manifest. Client errors become INVALID_ARGUMENT/RESOURCE_EXHAUSTED.
    /// </summary>
    public (float[][] Inputs, int Rows) Encode(ServedModel model, SequenceBatch batch, string limitHint) =>
        Encode(model, new BatchFields(batch.Sequences, batch.SequenceIds, batch.Encoded, batch.AllowResize), limitHint);

    /// <summary>The input fields PredictRequest and SequenceBatch share, viewed without copying them.</summary>
    private readonly record struct BatchFields(IReadOnlyList<string> Sequences, IReadOnlyList<string> SequenceIds,
        IReadOnlyList<Contracts.Rbp.V1.EncodedTensor> Encoded, bool AllowResize);

    private (float[][] Inputs, int Rows) Encode(ServedModel model, BatchFields request, string limitHint)
    {
        var hasRaw = request.Sequences.Count > 0;
        var hasEncoded = request.Encoded.Count > 0;
        if (hasRaw && hasEncoded) throw new ArgumentException("send either raw sequences or encoded tensors, not both");
        if (!hasRaw && !hasEncoded) throw new ArgumentException("the request has no sequences and no encoded tensors");
        return hasRaw ? EncodeRaw(model, request, limitHint) : CheckEncoded(model, request, limitHint);
    }

    private (float[][], int) EncodeRaw(ServedModel model, BatchFields request, string limitHint)
    {
        var count = request.Sequences.Count;
        CheckLimit(count, limitHint);
        if (request.SequenceIds.Count != 0 && request.SequenceIds.Count != count)
            throw new ArgumentException($"{request.SequenceIds.Count} sequence ids for {count} sequences");
        var spec = model.Manifest.Encoding;
        if (spec.Tracks.Count > 0)
            throw new ArgumentException(
                $"model {model.Name} also takes {string.Join(", ", spec.Tracks.Select(t => $"'{t.Name}'"))}; send pre-encoded tensors (field 'encoded') for every input");
        var ids = request.SequenceIds.Count == 0 ? null : request.SequenceIds;
        if (!request.AllowResize)
        {
            for (var i = 0; i < count; i++)
            {
                var length = request.Sequences[i].Length;
                if (length != spec.Length)
                    throw new ArgumentException(
                        $"sequence {i}{(ids is null ? "" : $" (id '{ids[i]}')")} has length {length}; model {model.Name} expects {spec.Length} " +
                        $"(set allow_resize to {(spec.LengthPolicy == LengthPolicy.Exact ? "centre" : spec.LengthPolicy.ToString().ToLowerInvariant())}-crop or pad)");
            }
        }
        var encoder = request.AllowResize ? model.ResizingEncoder.Sequence : model.Encoder.Sequence;
        var data = new float[(long)count * encoder.RecordSize];
        try
        {
            encoder.EncodeBatch(request.Sequences, data, ids);
        }
        catch (SequenceEncodingException e)
        {
            throw new ArgumentException(e.Message);
        }
        return ([data], count);
    }

    private (float[][], int) CheckEncoded(ServedModel model, BatchFields request, string limitHint)
    {
        var manifestInputs = model.Manifest.Inputs;
        var inputs = new float[manifestInputs.Count][];
        var rows = -1;
        foreach (var tensor in request.Encoded)
        {
            var index = -1;
            for (var i = 0; i < manifestInputs.Count; i++) if (manifestInputs[i].Name == tensor.Name) index = i;
            if (index < 0)
                throw new ArgumentException(
                    $"encoded tensor '{tensor.Name}' is not an input of model {model.Name} (inputs: {string.Join(", ", manifestInputs.Select(i => i.Name))})");
            if (inputs[index] is not null) throw new ArgumentException($"encoded tensor '{tensor.Name}' is given twice");
            var input = manifestInputs[index];
            var shape = tensor.Shape;
            if (shape.Count != 3 || shape[0] < 1 || shape[1] != input.Channels.Count || shape[2] != input.Length)
                throw new ArgumentException(
                    $"encoded tensor '{tensor.Name}' has shape [{string.Join(", ", shape)}]; model {model.Name} expects [batch, {input.Channels.Count}, {input.Length}]");
            CheckLimit(shape[0], limitHint);
            if (rows >= 0 && shape[0] != rows)
                throw new ArgumentException($"encoded tensors disagree on the batch size ({rows} and {shape[0]})");
            rows = (int)shape[0];
            var expected = (long)rows * input.Channels.Count * input.Length;
            if (tensor.Values.Count != expected)
                throw new ArgumentException($"encoded tensor '{tensor.Name}' has {tensor.Values.Count} values; shape [{string.Join(", ", shape)}] needs {expected}");
            var data = new float[expected];
            tensor.Values.CopyTo(data, 0);
            inputs[index] = data;
        }
        for (var i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentException($"encoded input '{manifestInputs[i].Name}' is missing");
        if (request.SequenceIds.Count != 0 && request.SequenceIds.Count != rows)
            throw new ArgumentException($"{request.SequenceIds.Count} sequence ids for {rows} encoded rows");
        return (inputs, rows);
    }

    private void CheckLimit(long rows, string limitHint)
    {
        if (rows > options.MaxSequencesPerRequest)
            throw new RequestLimitException(
                $"{rows} sequences in one request; the limit is {options.MaxSequencesPerRequest}. {limitHint}");
    }

    /// <summary>Per row: raw outputs, probabilities for classification columns, values in the data's scale.</summary>
    public static PredictResponse BuildResponse(ServedModel model, PredictRequest request, int rows, float[][] outputs)
    {
        var response = new PredictResponse { Id = request.Id, Model = model.Name, Version = model.Version };
        var columns = model.Columns;
        var selected = SelectColumns(model, request.Tasks);
        foreach (var c in selected) response.Tasks.Add(columns[c].Name);
        var raw = outputs[model.RawOutputIndex];
        var probability = model.ProbabilityOutputIndex >= 0 ? outputs[model.ProbabilityOutputIndex] : null;
        var width = columns.Count;
        var buffer = new float[width];
        for (var r = 0; r < rows; r++)
        {
            var prediction = new Prediction { SequenceId = r < request.SequenceIds.Count ? request.SequenceIds[r] : "" };
            var rowRaw = raw.AsSpan(r * width, width);
            if (model.HasClassification)
            {
                if (probability is not null) probability.AsSpan(r * width, width).CopyTo(buffer);
                else Probabilities(columns, rowRaw, buffer);
            }
            foreach (var c in selected)
            {
                var column = columns[c];
                prediction.Raw.Add(rowRaw[c]);
                if (column.Task.Type == TaskType.Regression)
                {
                    prediction.Values.Add(column.Task.LabelTransform.Inverse(rowRaw[c]));
                    if (model.HasClassification) prediction.Probabilities.Add(float.NaN);
                }
                else
                {
                    prediction.Values.Add(buffer[c]);
                    prediction.Probabilities.Add(buffer[c]);
                }
            }
            response.Predictions.Add(prediction);
        }
        return response;
    }

    /// <summary>
    /// The output columns a request asks for, in its order: every column when it names no task; a task name selects its
    /// column (all of a multiclass task's), a "task/class" name one column. An unknown name is INVALID_ARGUMENT.
    /// </summary>
    public static IReadOnlyList<int> SelectColumns(ServedModel model, IReadOnlyList<string> tasks)
    {
        var columns = model.Columns;
        if (tasks.Count == 0) return [.. Enumerable.Range(0, columns.Count)];
        var selected = new List<int>();
        foreach (var name in tasks)
        {
            var matches = Enumerable.Range(0, columns.Count).Where(c => columns[c].Task.Name == name || columns[c].Name == name).ToList();
            if (matches.Count == 0)
                throw new ArgumentException(
                    $"model '{model.Name}' has no task '{name}' (tasks: {string.Join(", ", columns.Select(c => c.Name))})");
            selected.AddRange(matches);
        }
        return selected;
    }

    /// <summary>Sigmoid for binary columns, softmax over each multiclass task's columns (graphs without a probability output).</summary>
    private static void Probabilities(IReadOnlyList<OutputColumn> columns, ReadOnlySpan<float> raw, Span<float> destination)
    {
        for (var c = 0; c < columns.Count;)
        {
            var column = columns[c];
            if (column.Task.Type == TaskType.Binary)
            {
                destination[c] = 1f / (1f + MathF.Exp(-raw[c]));
                c++;
            }
            else if (column.Task.Type == TaskType.Multiclass)
            {
                var n = column.Task.Classes!.Count;
                var max = float.NegativeInfinity;
                for (var k = 0; k < n; k++) max = MathF.Max(max, raw[c + k]);
                var sum = 0f;
                for (var k = 0; k < n; k++) sum += destination[c + k] = MathF.Exp(raw[c + k] - max);
                for (var k = 0; k < n; k++) destination[c + k] /= sum;
                c += n;
            }
            else
            {
                destination[c] = float.NaN;
                c++;
            }
        }
    }
}
