using System.CommandLine;
using System.Globalization;
using System.Text;
using Grpc.Core;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp predict`: sends the sequences of a FASTA or TSV file (or standard input) to a running server (or several
/// replicas) as bounded Predict calls, several in flight, and writes a TSV with one row per sequence, in input order.
/// </summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var connection = new ServerConnectionOptions();
        var model = new Option<string>("--model") { Description = "Model name", Required = true };
        var version = new Option<long>("--version") { Description = "Model version (0: the latest)", DefaultValueFactory = _ => 0 };
        var input = new Argument<string>("input") { Description = "FASTA (.fa/.fasta) or TSV file with a header naming 'sequence' (and 'id'); '-' reads standard input" };
        var output = new Option<FileInfo?>("--out") { Description = "Output TSV (standard output when absent)" };
        var batch = new Option<int>("--batch") { Description = "Sequences per request", DefaultValueFactory = _ => 256 };
        var inFlight = new Option<int?>("--in-flight") { Description = "Requests in flight at once (default: 4 per --server)" };
        var allowResize = new Option<bool>("--allow-resize") { Description = "Let the server crop or pad sequences of the wrong length" };
        var tasks = new Option<string[]>("--task")
        {
            Description = "Only this task (e.g. one experiment of a multi-task model); repeat for several, in the order given (default: every task)",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("predict", "Predict sequences from a file with a running server (batches spread over the --server replicas)")
        {
            model, version, input, output, batch, inFlight, allowResize, tasks,
        };
        foreach (var option in connection.All) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(input)!;
            try
            {
                using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput()) : DataFile.OpenText(path);
                await using var writer = parse.GetValue(output) is { } file
                    ? new StreamWriter(file.FullName, false, new UTF8Encoding(false))
                    : new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
                using var server = connection.Open(parse);
                var count = await RunAsync(server.Models, parse.GetValue(model)!, parse.GetValue(version),
                    SequenceInput.Read(reader, path == "-" ? "standard input" : path), writer, Math.Max(1, parse.GetValue(batch)),
                    Math.Max(1, parse.GetValue(inFlight) ?? connection.DefaultInFlight(parse, 4)), parse.GetValue(allowResize), cancellationToken,
                    tasks: parse.GetValue(tasks) ?? []);
                Console.Error.WriteLine($"{count} sequences predicted");
                return CliExitCodes.Success;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"rbp predict: {e.StatusCode}: {e.Status.Detail}");
                return CliExitCodes.Failure;
            }
            catch (Exception e) when (e is DataFormatException or FormatException or IOException or ArgumentException)
            {
                Console.Error.WriteLine($"rbp predict: {e.Message}");
                return CliExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>Predicts <paramref name="records"/> in batches (bounded calls, spread over the replicas) and writes the TSV in input order; returns the count.</summary>
    public static async Task<long> RunAsync(ModelService.ModelServiceClient client, string model, long version, IEnumerable<(string Id, string Sequence)> records,
        TextWriter output, int batchSize, int inFlight, bool allowResize, CancellationToken cancellationToken, int maxAttempts = 5,
        IReadOnlyList<string>? tasks = null)
    {
        long count = 0;
        var headerWritten = false;
        await BoundedCalls.RunOrderedAsync(Batches(), inFlight, maxAttempts,
            (request, ct) => client.PredictAsync(request, cancellationToken: ct).ResponseAsync,
            async (request, response) =>
            {
                if (response.Predictions.Count != request.Sequences.Count)
                    throw new IOException($"request {request.Id}: the server answered {response.Predictions.Count} predictions for {request.Sequences.Count} sequences");
                if (!headerWritten) { await WriteHeaderAsync(output, response); headerWritten = true; }
                foreach (var prediction in response.Predictions)
                {
                    await WriteRowAsync(output, prediction);
                    count++;
                }
            }, cancellationToken);
        await output.FlushAsync(cancellationToken);
        return count;

        IEnumerable<PredictRequest> Batches()
        {
            long sent = 0;
            var request = NewRequest(model, version, allowResize, sent, tasks);
            foreach (var (id, sequence) in records)
            {
                request.Sequences.Add(sequence);
                request.SequenceIds.Add(id);
                if (request.Sequences.Count < batchSize) continue;
                yield return request;
                request = NewRequest(model, version, allowResize, ++sent, tasks);
            }
            if (request.Sequences.Count > 0) yield return request;
        }
    }

    private static PredictRequest NewRequest(string model, long version, bool allowResize, long id, IReadOnlyList<string>? tasks)
    {
        var request = new PredictRequest { Model = model, Version = version, AllowResize = allowResize, Id = id.ToString(CultureInfo.InvariantCulture) };
        request.Tasks.AddRange(tasks ?? []);
        return request;
    }

    private static async Task WriteHeaderAsync(TextWriter output, PredictResponse response)
    {
        var header = new StringBuilder("id");
        var classification = response.Predictions.Count > 0 && response.Predictions[0].Probabilities.Count > 0;
        for (var t = 0; t < response.Tasks.Count; t++)
        {
            header.Append('\t').Append(response.Tasks[t]);
            if (classification && !float.IsNaN(response.Predictions[0].Probabilities[t])) header.Append('\t').Append(response.Tasks[t]).Append("_probability");
        }
        await output.WriteLineAsync(header.ToString());
    }

    private static async Task WriteRowAsync(TextWriter output, Prediction prediction)
    {
        var row = new StringBuilder(prediction.SequenceId);
        for (var t = 0; t < prediction.Values.Count; t++)
        {
            row.Append('\t').Append(prediction.Values[t].ToString("R", CultureInfo.InvariantCulture));
            if (t < prediction.Probabilities.Count && !float.IsNaN(prediction.Probabilities[t]))
                row.Append('\t').Append(prediction.Probabilities[t].ToString("R", CultureInfo.InvariantCulture));
        }
        await output.WriteLineAsync(row.ToString());
    }
}

/// <summary>
/// Streams (id, sequence) records for prediction through the Trainer's readers: FASTA (labels optional) or a TSV/CSV
/// whose header names a 'sequence' column and optionally an 'id' column. Files may be gzipped; '-' is standard input.
/// </summary>
public static class SequenceInput
{
    private static readonly TableColumns Columns = new() { Sequence = "sequence", Id = "id", IdIsOptional = true };

    public static IEnumerable<(string Id, string Sequence)> Read(TextReader reader, string source)
    {
        var records = reader.Peek() == '>'
            ? FastaReader.Read(reader, source, allowUnlabelled: true)
            : DelimitedTableReader.Read(reader, source, Columns, Delimiter(source));
        return records.Select(r => (r.Id, r.Sequence));
    }

    // Standard input has no extension: a table there is tab-separated.
    private static char Delimiter(string source) =>
        source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || source.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase) ? ',' : '\t';
}
