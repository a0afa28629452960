import Foundation

/// Paths into the repository's Fixtures/ folder, found from this source file.
enum Fixtures {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures").path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// The pattern every codec fixture holds (see Fixtures/make_codec_fixtures.py).
    static func value(_ x: Int, _ y: Int, _ c: Int, _ maxValue: Int) -> Int {
        (7 * x + 13 * y + 50 * c) % (maxValue + 1)
    }

    /// A fresh temporary folder.
    static func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "rackfocus-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
