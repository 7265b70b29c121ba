namespace RbpPipeline.Trainer.Data;

/// <summary>
/// Joins sequences with tracks or labels kept in separate files, row by row in file order, streaming both.
/// Every disagreement (count, length, id) is an error naming the record by index and id and the other file's line.
/// </summary>
public static class RecordJoin
{
    /// <param name="matchIds">
    /// When the track file gives ids, require each to equal the record's id: catches a
    /// track file sorted differently from the sequences, which lengths alone would not.
    /// </param>
    public static IEnumerable<SequenceRecord> WithTracks(IEnumerable<SequenceRecord> records, IEnumerable<TrackEntry> tracks, bool matchIds = true)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(tracks);
        using var trackEnumerator = tracks.GetEnumerator();
        var index = 0;
        string? trackFile = null;
        foreach (var record in records)
        {
            if (!trackEnumerator.MoveNext())
                throw new DataFormatException(trackFile ?? "track file", 0, $"record {index} (id '{record.Id}') has no track: the track file ends after {index} entries");
            var entry = trackEnumerator.Current;
            trackFile = entry.File;
            if (matchIds && entry.Id is not null && entry.Id != record.Id)
                throw new DataFormatException(entry.File, entry.Line, $"record {index} (id '{record.Id}'): the track entry here is for id '{entry.Id}'");
            if (entry.Track.Length != record.Sequence.Length)
                throw new DataFormatException(entry.File, entry.Line, $"record {index} (id '{record.Id}'): the '{entry.Track.Name}' track has {entry.Track.Length} positions but the sequence has {record.Sequence.Length}");
            if (record.FindTrack(entry.Track.Name) is not null)
                throw new ArgumentException($"record {index} (id '{record.Id}') already has a track named '{entry.Track.Name}'");
            index++;
            yield return record.WithTrack(entry.Track);
        }
        if (trackEnumerator.MoveNext())
            throw new DataFormatException(trackEnumerator.Current.File, trackEnumerator.Current.Line, $"expected {index} track entries, one per sequence, found more");
    }

    /// <summary>Replaces each record's labels with the row of a separate label file.</summary>
    public static IEnumerable<SequenceRecord> WithLabels(IEnumerable<SequenceRecord> records, IEnumerable<LabelRow> labels)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(labels);
        using var labelEnumerator = labels.GetEnumerator();
        var index = 0;
        string? labelFile = null;
        foreach (var record in records)
        {
            if (!labelEnumerator.MoveNext())
                throw new DataFormatException(labelFile ?? "label file", 0, $"record {index} (id '{record.Id}') has no label row: the label file ends after {index} rows");
            labelFile = labelEnumerator.Current.File;
            index++;
            yield return record with { Labels = labelEnumerator.Current.Labels };
        }
        if (labelEnumerator.MoveNext())
            throw new DataFormatException(labelEnumerator.Current.File, labelEnumerator.Current.Line, $"expected {index} label rows, one per sequence, found more");
    }
}
