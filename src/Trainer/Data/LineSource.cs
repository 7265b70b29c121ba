namespace RbpPipeline.Trainer.Data;

/// <summary>Reads a data file line by line while keeping the 1-based number of the line last read, for errors.</summary>
internal sealed class LineSource : IDisposable
{
    private readonly TextReader _reader;

    public LineSource(string path) : this(DataFile.OpenText(path), path)
    {
    }

    /// <param name="name">How errors name the source (a path, or e.g. "standard input").</param>
    public LineSource(TextReader reader, string name)
    {
        File = name;
        _reader = reader;
    }

    public string File { get; }

    /// <summary>The number of the line last returned by <see cref="TryRead"/> (0 before the first).</summary>
    public long LineNumber { get; private set; }

    public bool TryRead(out string line)
    {
        var next = _reader.ReadLine();
        if (next is null)
        {
            line = "";
            return false;
        }
        LineNumber++;
        line = next;
        return true;
    }

    public DataFormatException Error(string problem) => new(File, LineNumber, problem);

    public DataFormatException Error(long line, string problem) => new(File, line, problem);

    public void Dispose() => _reader.Dispose();
}
