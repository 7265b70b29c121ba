using System.IO.Compression;
using System.Text;

namespace RbpPipeline.Trainer.Tests;

/// <summary>Writes small input files for reader tests, gzipped independently of the code under test.</summary>
internal static class TestFiles
{
    public static string Write(TempFolder folder, string name, string text, bool gzip = false)
    {
        var path = folder.File(name);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using (var file = File.Create(path))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            zip.Write(bytes);
        return path;
    }
}
