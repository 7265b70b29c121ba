using Microsoft.Playwright;

namespace RbpPipeline.InferenceServer.Tests.Explorer;

/// <summary>
/// Debian's Chromium driven by Playwright (the NuGet package's driver; no browser download). Skips the test when
/// Chromium is not installed. Every wait is bounded by the page's default timeout.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Where the tests write a screenshot of each page (ignored by git; look at them after a run).</summary>
    public static string ScreenshotFolder => Path.Combine(RepoPaths.Root, "build", "explorer-screenshots");

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<BrowserSession> StartAsync()
    {
        if (!File.Exists(ChromiumPath))
            Assert.Skip($"Chromium is not installed ({ChromiumPath} not found): ./setup.sh installs Debian's chromium package for the explorer's browser tests");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Timeout = 60_000,
                // Chromium's sandbox refuses to run as root (CI runs tests as root).
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            page.SetDefaultNavigationTimeout(30_000);
            return new BrowserSession(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens a page of the explorer and waits until it has rendered (or shown its error).</summary>
    public async Task OpenAsync(Uri explorer, string route)
    {
        await Page.GotoAsync(new Uri(explorer, $"#/{route}").ToString());
        await Page.Locator($"#page[data-page='{route.Split('?')[0]}'][data-ready='true']").WaitForAsync();
    }

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
