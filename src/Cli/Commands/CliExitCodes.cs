namespace RbpPipeline.Cli.Commands;

/// <summary>Process exit codes shared by every subcommand.</summary>
public static class CliExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    /// <summary>A part of the pipeline the command needs is not built yet.</summary>
    public const int NotBuilt = 3;
}
