namespace RbpPipeline.Trainer.Data;

/// <summary>
/// A data file does not hold what its format promises. The message starts with <c>file:line:</c> so that the
/// user can jump to the offending line; <see cref="Line"/> is 0 when the problem is not tied to one line
/// (e.g. a file that ends before a record it should hold).
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, long line, string problem)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public string File { get; }

    /// <summary>1-based line number, or 0 when the problem concerns the file as a whole.</summary>
    public long Line { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Problem { get; }
}
