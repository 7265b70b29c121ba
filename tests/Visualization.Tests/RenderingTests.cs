using System.Buffers.Binary;
using System.Diagnostics;

namespace RbpPipeline.Visualization.Tests;

/// <summary>Renders each picture with a real SVG renderer (librsvg), the way a user would look at it.</summary>
public class RenderingTests
{
    private const string Renderer = "/usr/bin/rsvg-convert";

    [Theory]
    [MemberData(nameof(SvgOutputTests.Pictures), MemberType = typeof(SvgOutputTests))]
    public async Task Pictures_render_to_a_png_of_the_svg_size(string picture)
    {
        if (!File.Exists(Renderer))
            Assert.Skip($"{Renderer} is not installed (Debian/Ubuntu package librsvg2-bin); cannot check that the SVG renders");
        var svg = SvgOutputTests.Draw(picture, $"{picture} <&> rendering check");
        using var folder = new TempFolder("rbp-viz");
        var input = folder.File($"{picture}.svg");
        var output = folder.File($"{picture}.png");
        await File.WriteAllTextAsync(input, svg, TestContext.Current.CancellationToken);

        var psi = new ProcessStartInfo(Renderer) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(output);
        psi.ArgumentList.Add(input);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"rsvg-convert exited {process.ExitCode}: {await stderr}");

        var png = await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken);
        Assert.True(png.Length > 24 && png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
        var root = SvgReader.Parse(svg).Root!;
        Assert.Equal(root.Number("width"), width);
        Assert.Equal(root.Number("height"), height);
        Assert.True(width > 100 && height > 100, $"{width} x {height} is implausibly small");
    }
}
