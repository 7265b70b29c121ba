using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Trainer.Data;

/// <summary>
/// One raw example as a reader found it: nothing is encoded yet, so the one encoder in Contracts decides
/// alphabet, N handling and length policy for training and serving alike.
/// </summary>
/// <param name="Id">The header or id column text, or <c>file:line</c> for formats that carry no id.</param>
/// <param name="Sequence">The bases as written in the file (case and T/U kept).</param>
/// <param name="Labels">One value per task; empty for unlabelled data; NaN marks a missing label.</param>
public sealed record SequenceRecord(string Id, string Sequence, IReadOnlyList<double> Labels)
{
    /// <summary>Per-position extra inputs (region types, structure), each as long as <see cref="Sequence"/>.</summary>
    public IReadOnlyList<PositionTrack> Tracks { get; init; } = [];

    /// <summary>The track named <paramref name="name"/>, or null.</summary>
    public PositionTrack? FindTrack(string name) => Tracks.FirstOrDefault(t => t.Name == name);

    public SequenceRecord WithTrack(PositionTrack track) => this with { Tracks = [.. Tracks, track] };

    /// <summary>
    /// The record as the Contracts <see cref="InputEncoder"/> takes it, keeping only the tracks the encoding uses
    /// (a file may carry more annotations than a given model reads).
    /// </summary>
    public InputRecord ToInputRecord(EncodingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var tracks = new Dictionary<string, TrackValues>(StringComparer.Ordinal);
        foreach (var wanted in spec.Tracks)
        {
            var track = FindTrack(wanted.Name)
                ?? throw new ArgumentException($"record '{Id}' has no '{wanted.Name}' track, which the encoding needs (it has: {(Tracks.Count == 0 ? "none" : string.Join(", ", Tracks.Select(t => t.Name)))})");
            tracks[wanted.Name] = track.ToTrackValues();
        }
        return new InputRecord { Id = Id, Sequence = Sequence, Tracks = tracks };
    }
}
