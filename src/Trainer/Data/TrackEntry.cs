namespace RbpPipeline.Trainer.Data;

/// <summary>
/// One record's extra track as read from its own file, with where it came from so that a mismatch with the
/// sequences can be reported at the right place.
/// </summary>
/// <param name="Id">The id the track file gives (null for formats without ids, matched by position only).</param>
public sealed record TrackEntry(string? Id, PositionTrack Track, string File, long Line);
