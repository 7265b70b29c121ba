using System.Diagnostics;
using System.Globalization;

namespace RbpPipeline.Trainer.Training;

/// <summary>One finished epoch.</summary>
/// <param name="Monitor">The monitored validation figure (see <see cref="TrainingOptions.Monitor"/>).</param>
/// <param name="LearningRate">The rate the epoch was trained with.</param>
/// <param name="Validation">Validation summary figures (loss, auroc, pearson, …).</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double Monitor, double LearningRate, bool Improved, bool LrDecayed,
    double Seconds, IReadOnlyDictionary<string, double> Validation);

/// <summary>Receives training progress; implementations must be cheap (called once per batch).</summary>
public interface ITrainingProgress
{
    void Message(string text);

    void EpochStarted(int epoch, int epochs, int batches);

    void BatchCompleted(int epoch, int batch, int batches, double meanLoss);

    void EpochCompleted(EpochRecord record, int epochs, string monitor);
}

public sealed class NullTrainingProgress : ITrainingProgress
{
    public static NullTrainingProgress Instance { get; } = new();

    public void Message(string text) { }
    public void EpochStarted(int epoch, int epochs, int batches) { }
    public void BatchCompleted(int epoch, int batch, int batches, double meanLoss) { }
    public void EpochCompleted(EpochRecord record, int epochs, string monitor) { }
}

/// <summary>
/// A progress bar per epoch. On a terminal the line is redrawn in place (at most 10 times a second) with the bar,
/// running loss, the last validation figure and the ETA; when the output is redirected (CI logs) nothing is
/// redrawn and each epoch prints one plain line, so logs stay readable.
/// </summary>
public sealed class ConsoleTrainingProgress(TextWriter writer, bool interactive, string label) : ITrainingProgress
{
    private readonly Stopwatch _epochClock = new();
    private long _lastDraw;
    private string _lastValidation = "";
    private int _lineLength;

    /// <summary>Console output, interactive when standard output is a terminal.</summary>
    public static ConsoleTrainingProgress ForConsole(string label) => new(Console.Out, !Console.IsOutputRedirected, label);

    public void Message(string text)
    {
        ClearLine();
        writer.WriteLine($"{label}: {text}");
    }

    public void EpochStarted(int epoch, int epochs, int batches)
    {
        _epochClock.Restart();
        _lastDraw = 0;
    }

    public void BatchCompleted(int epoch, int batch, int batches, double meanLoss)
    {
        if (!interactive) return;
        var now = _epochClock.ElapsedMilliseconds;
        if (batch < batches && now - _lastDraw < 100) return;
        _lastDraw = now;
        const int width = 24;
        var filled = (int)Math.Round(width * (double)batch / batches);
        var eta = batch == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(now * (double)(batches - batch) / batch);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{label} epoch {epoch} [{new string('#', filled)}{new string('.', width - filled)}] {100.0 * batch / batches,3:F0}% loss {meanLoss:F4}{_lastValidation} ETA {Format(eta)}");
        writer.Write("\r" + line.PadRight(_lineLength));
        _lineLength = line.Length;
        writer.Flush();
    }

    public void EpochCompleted(EpochRecord record, int epochs, string monitor)
    {
        ClearLine();
        var validation = string.Join("  ", record.Validation.Where(p => double.IsFinite(p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"val_{p.Key} {p.Value:F4}")));
        _lastValidation = double.IsFinite(record.Monitor) ? string.Create(CultureInfo.InvariantCulture, $" | val {monitor} {record.Monitor:F4}") : "";
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} epoch {record.Epoch}/{epochs}  loss {record.TrainLoss:F4}  {validation}  lr {record.LearningRate:G3}  {record.Seconds:F1} s{(record.Improved ? "  *best*" : "")}{(record.LrDecayed ? "  (lr decayed)" : "")}"));
        writer.Flush();
    }

    private void ClearLine()
    {
        if (!interactive || _lineLength == 0) return;
        writer.Write("\r" + new string(' ', _lineLength) + "\r");
        _lineLength = 0;
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
