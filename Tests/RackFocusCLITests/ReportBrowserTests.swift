import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// `compare --report` opened in a real browser (headless Chromium, Debian's `chromium`, which CI
/// installs): the page loads without console errors and shows the worst frame first, with its
/// expected, actual and difference images decoded at the frame's size.
@Suite(.serialized) struct ReportBrowserTests {
    typealias CLI = CLITests

    /// Reports, once the page has loaded, what the browser made of it: in the title (which
    /// --dump-dom prints), every image's load state and the first frame section's heading.
    static let probe = """
        <script>
        window.addEventListener('error', e => console.error('page error: ' + e.message));
        window.addEventListener('load', () => {
          const images = Array.from(document.images);
          const loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
          const first = document.querySelector('.frame');
          const sizes = first ? Array.from(first.querySelectorAll('img')).map(i => i.alt + ':' + i.naturalWidth + 'x' + i.naturalHeight) : [];
          if (loaded !== images.length) console.error('images not loaded: ' + (images.length - loaded));
          document.title = 'probe|' + loaded + '/' + images.length + '|' + (first ? first.querySelector('h2').textContent : '') + '|' + sizes.join(',');
        });
        </script>
        """

    @Test func reportLoadsInChromiumAndShowsTheWorstFrameFirst() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else {
            Issue.record("headless Chromium is needed: apt-get install chromium (.ci/run installs it)")
            return
        }
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Three frames: 2 is identical, 1 differs a little, 3 a lot (the worst).
        let base = (0..<(24 * 16 * 3)).map { UInt8($0 % 251) }
        for (frame, change) in [(1, 3), (2, 0), (3, 90)] {
            try ImageFile.write(RasterImage(width: 24, height: 16, channels: 3, samples: .uint8(base)), to: folder + "/e.\(frame).png")
            var actual = base
            for i in stride(from: 0, to: 24 * 8 * 3, by: 3) { actual[i] = actual[i] &+ UInt8(change) }
            try ImageFile.write(RasterImage(width: 24, height: 16, channels: 3, samples: .uint8(actual)), to: folder + "/a.\(frame).png")
        }
        let compare = try CLI.run(["compare", folder + "/e.%d.png", folder + "/a.%d.png", "--report", folder + "/report.html"])
        #expect(compare.status == 1)
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        try html.replacingOccurrences(of: "</head>", with: Self.probe + "</head>")
            .write(toFile: folder + "/probed.html", atomically: true, encoding: .utf8)

        let browser = try ChildProcess.run("/usr/bin/chromium", [
            "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
            "--dump-dom", "file://" + folder + "/probed.html"], in: folder)
        #expect(browser.status == 0, "\(browser.stderr)")
        let title = browser.stdout.components(separatedBy: "<title>").dropFirst().first?.components(separatedBy: "</title>").first ?? ""
        // 2 differing frames x 3 images + the identical frame's 2 images (its difference is "identical").
        #expect(title == "probe|8/8|Frame 3 — FAIL|expected:24x16,actual:24x16,difference:24x16", "\(title)")
        let console = browser.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }
        #expect(console.isEmpty, "console: \(console)")
    }
}
