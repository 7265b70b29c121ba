using System.Text;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Contracts.Tests;

public class StorageTests
{
    private static string[] Entries(TempFolder folder) => [.. Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName).Order()!];

    [Fact]
    public void Writes_replace_the_whole_file_and_leave_no_temporary_files()
    {
        using var folder = new TempFolder();
        var path = folder.File("a.json");
        AtomicFile.WriteAllText(path, "first, longer content");
        AtomicFile.WriteAllText(path, "second");
        Assert.Equal("second", File.ReadAllText(path));
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        AtomicFile.Write(path, s => s.Write("streamed"u8));
        Assert.Equal("streamed", File.ReadAllText(path));
        Assert.Equal(["a.json"], Entries(folder));
    }

    [Fact]
    public void Text_is_UTF8_without_a_byte_order_mark()
    {
        using var folder = new TempFolder();
        AtomicFile.WriteAllText(folder.File("t"), "5′→3′");
        Assert.Equal(Encoding.UTF8.GetBytes("5′→3′"), File.ReadAllBytes(folder.File("t")));
    }

    [Fact]
    public void A_writer_that_throws_leaves_the_old_content_and_no_partial_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("manifest.json");
        AtomicFile.WriteAllText(path, "old");
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            s.Flush();
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("disk on fire", e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["manifest.json"], Entries(folder));

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(folder.File("new.bin"), _ => throw new InvalidOperationException()));
        Assert.Equal(["manifest.json"], Entries(folder));
    }

    [Fact]
    public async Task An_async_writer_that_throws_or_is_cancelled_leaves_the_old_content()
    {
        using var folder = new TempFolder();
        var path = folder.File("w.bin");
        await AtomicFile.WriteAsync(path, (s, ct) => s.WriteAsync(new byte[] { 7 }, ct).AsTask(), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(path, async (s, ct) =>
        {
            await s.WriteAsync(new byte[] { 1, 2 }, ct);
            throw new IOException("network share vanished");
        }, TestContext.Current.CancellationToken));
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, async (s, ct) =>
        {
            await s.WriteAsync(new byte[] { 3 }, ct);
            await cts.CancelAsync();
        }, cts.Token));
        Assert.Equal([7], File.ReadAllBytes(path));
        Assert.Equal(["w.bin"], Entries(folder));
    }

    [Fact]
    public async Task File_digests_match_the_standard_test_vector_and_hashing_in_memory()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("abc"), "abc");
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.OfFile(folder.File("abc")));

        var big = new byte[5_000_003]; // several read buffers, not a multiple of any
        new Random(1).NextBytes(big);
        File.WriteAllBytes(folder.File("big"), big);
        Assert.Equal(Sha256.OfBytes(big), Sha256.OfFile(folder.File("big")));
        Assert.Equal(Sha256.OfBytes(big), await Sha256.OfFileAsync(folder.File("big"), TestContext.Current.CancellationToken));
        Assert.True(Sha256.IsDigest(Sha256.OfBytes(big)));
        Assert.False(Sha256.IsDigest("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    }
}
