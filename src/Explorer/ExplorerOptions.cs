namespace RbpPipeline.Explorer;

/// <summary>How `rbp serve` serves the web explorer (docs/explorer.md).</summary>
public sealed class ExplorerOptions
{
    /// <summary>The explorer's HTTP port on the gRPC interface (HTTPS with the gRPC certificate when TLS is on); 0 picks a free one.</summary>
    public int Port { get; init; } = 50052;

    /// <summary>An indexed (or indexable) FASTA for chrom:pos:ref:alt variants; null: variants are given as sequence windows only.</summary>
    public string? ReferenceFastaPath { get; init; }

    /// <summary>Folder of the page's static files; null: the <c>explorer/</c> folder beside the assembly.</summary>
    public string? WebRoot { get; init; }
}
