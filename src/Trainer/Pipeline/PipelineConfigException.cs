namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// A problem in a pipeline file, located: <c>pipeline.yaml:12:7: models.rb-clip.training.epochs: expected an integer, found 'ten'</c>.
/// </summary>
public sealed class PipelineConfigException : Exception
{
    public PipelineConfigException(string file, int line, int column, string key, string problem, Exception? inner = null)
        : base($"{file}:{line}:{column}: {(key.Length == 0 ? "" : key + ": ")}{problem}", inner)
    {
        File = file;
        Line = line;
        Column = column;
        Key = key;
        Problem = problem;
    }

    public string File { get; }

    /// <summary>1-based.</summary>
    public int Line { get; }

    /// <summary>1-based.</summary>
    public int Column { get; }

    /// <summary>The dotted key path, e.g. <c>models.rb-clip.training.epochs</c> ("" for the document).</summary>
    public string Key { get; }

    public string Problem { get; }
}
