using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Grpc;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp predict`: sends the sequences of a FASTA or TSV file (or standard input) to a running server over
/// PredictStream in batches and writes a TSV with one row per sequence, in input order.
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
        var inFlight = new Option<int>("--in-flight") { Description = "Requests sent ahead of the responses", DefaultValueFactory = _ => 4 };
        var allowResize = new Option<bool>("--allow-resize") { Description = "Let the server crop or pad sequences of the wrong length" };
        var command = new Command("predict", "Predict sequences from a file with a running server (streams batches over PredictStream)")
        {
            model, version, input, output, batch, inFlight, allowResize,
        };
        foreach (var option in connection.All) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = connection.ChannelOptions(parse);
            var path = parse.GetValue(input)!;
            try
            {
                using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput()) : DataFile.OpenText(path);
                await using var writer = parse.GetValue(output) is { } file
                    ? new StreamWriter(file.FullName, false, new UTF8Encoding(false))
                    : new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
                using var channel = GrpcChannel.ForAddress(parse.GetValue(connection.Server)!, options);
                var count = await RunAsync(new ModelServiceClient(channel), parse.GetValue(model)!, parse.GetValue(version),
                    SequenceInput.Read(reader, path == "-" ? "standard input" : path), writer, Math.Max(1, parse.GetValue(batch)), Math.Max(1, parse.GetValue(inFlight)),
                    parse.GetValue(allowResize), cancellationToken);
                Console.Error.WriteLine($"{count} sequences predicted");
                return CliExitCodes.Success;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"rbp predict: {e.StatusCode}: {e.Status.Detail}");
                return CliExitCodes.Failure;
            }
            catch (Exception e) when (e is DataFormatException or FormatException or IOException)
            {
                Console.Error.WriteLine($"rbp predict: {e.Message}");
                return CliExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>Streams <paramref name="records"/> in batches and writes the predictions as TSV in input order; returns the count.</summary>
    public static async Task<long> RunAsync(ModelServiceClient client, string model, long version, IEnumerable<(string Id, string Sequence)> records,
        TextWriter output, int batchSize, int inFlight, bool allowResize, CancellationToken cancellationToken)
    {
        using var call = client.PredictStream(new CallOptions { CancellationToken = cancellationToken });
        using var window = new SemaphoreSlim(inFlight, inFlight);
        var pending = new Dictionary<long, PredictResponse>();
        long sent = 0, written = 0, count = 0;
        var headerWritten = false;

        var receive = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var response = call.ResponseStream.Current;
                pending[long.Parse(response.Id, CultureInfo.InvariantCulture)] = response;
                while (pending.Remove(written, out var next))
                {
                    if (!headerWritten) { await WriteHeaderAsync(output, next); headerWritten = true; }
                    foreach (var prediction in next.Predictions)
                    {
                        await WriteRowAsync(output, prediction);
                        count++;
                    }
                    written++;
                    window.Release();
                }
            }
        }, cancellationToken);

        var request = NewRequest(model, version, allowResize, sent);
        foreach (var (id, sequence) in records)
        {
            request.Sequences.Add(sequence);
            request.SequenceIds.Add(id);
            if (request.Sequences.Count < batchSize) continue;
            await SendAsync(request);
            request = NewRequest(model, version, allowResize, ++sent);
        }
        if (request.Sequences.Count > 0) { await SendAsync(request); sent++; }
        await call.RequestStream.CompleteAsync();
        await receive;
        await output.FlushAsync(cancellationToken);
        if (written != sent) throw new IOException($"the server answered {written} of {sent} requests");
        return count;

        async Task SendAsync(PredictRequest r)
        {
            // Wait for a free slot, but fail fast if the response side has already failed.
            var slot = window.WaitAsync(cancellationToken);
            if (await Task.WhenAny(slot, receive) == receive && !slot.IsCompleted)
            {
                await receive; // throws the server's status
                throw new IOException("the server ended the stream before answering every request");
            }
            await slot;
            await call.RequestStream.WriteAsync(r, cancellationToken);
        }
    }

    private static PredictRequest NewRequest(string model, long version, bool allowResize, long id) =>
        new() { Model = model, Version = version, AllowResize = allowResize, Id = id.ToString(CultureInfo.InvariantCulture) };

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
