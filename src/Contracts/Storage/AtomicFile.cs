using System.Runtime.InteropServices;
using System.Text;

namespace RbpPipeline.Contracts.Storage;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a torn file:
/// the bytes go to a temporary file in the same folder (rename is only atomic within one file system), are
/// flushed to disk, and the temporary file is then renamed over the target.
/// </summary>
public static partial class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = CreateTemp(path, out var stream);
        try
        {
            using (stream)
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            Commit(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8NoBom.GetBytes(text));

    /// <summary>
    /// Lets <paramref name="write"/> fill the file through a stream. If it throws, the target is left untouched and
    /// the temporary file is removed.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temp = CreateTemp(path, out var stream);
        try
        {
            using (stream)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            Commit(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temp = CreateTemp(path, out var stream);
        try
        {
            await using (stream)
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            cancellationToken.ThrowIfCancellationRequested();
            Commit(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static string CreateTemp(string path, out FileStream stream)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent folder", nameof(path));
        Directory.CreateDirectory(folder);
        // A leading dot and a random suffix keep concurrent writers apart and out of casual listings.
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, FileOptions.None);
        return temp;
    }

    private static void Commit(string temp, string path)
    {
        var full = Path.GetFullPath(path);
        File.Move(temp, full, overwrite: true);
        SyncFolder(Path.GetDirectoryName(full)!);
    }

    private static void TryDelete(string temp)
    {
        try { File.Delete(temp); }
        catch (IOException) { /* the original exception matters more than a stray temp file */ }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Flushes a folder's entry table. A rename lives there: without syncing the folder a crash can forget the
    /// rename even though the file's data reached the disk. .NET cannot open a folder as a stream, hence libc.
    /// </summary>
    public static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var fd = Open(folder, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { _ = FSync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
