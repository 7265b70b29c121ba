using System.IO.Compression;
using System.Text;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Trainer.Data;

/// <summary>Opening and creating data files, gzip or plain.</summary>
public static class DataFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Opens <paramref name="path"/> for reading text, decompressing when it starts with the gzip magic bytes.
    /// The content decides, not the extension: public data sets ship gzip files without <c>.gz</c> and the reverse.
    /// </summary>
    public static TextReader OpenText(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            stream.Position = 0;
            Stream content = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b
                ? new GZipStream(stream, CompressionMode.Decompress)
                : stream;
            return new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a text file atomically (readers never see half a file), gzip-compressed when the name ends in
    /// <c>.gz</c>.
    /// </summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        AtomicFile.Write(path, stream =>
        {
            Stream target = IsGzipName(path) ? new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true) : stream;
            try
            {
                using var writer = new StreamWriter(target, Utf8NoBom, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
                write(writer);
            }
            finally
            {
                if (!ReferenceEquals(target, stream)) target.Dispose();
            }
        });
    }

    /// <summary>The file name without a trailing <c>.gz</c>, for choosing a format by extension.</summary>
    public static string NameWithoutGzip(string path)
    {
        var name = Path.GetFileName(path);
        return IsGzipName(name) ? name[..^3] : name;
    }

    private static bool IsGzipName(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
}
