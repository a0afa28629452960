import ArgumentParser
import Foundation
import RackFocusCompare
import RackFocusCore
import RackFocusIO

/// `rackfocus compare EXPECTED ACTUAL`: regression checks for CI.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two images or two sequences and report how they differ.",
        discussion: """
            EXPECTED and ACTUAL are files or sequence patterns (name.%04d.png, name.####.png). Without --frames \
            the frames on disk on either side are compared; a frame present on one side only fails. Metrics are \
            computed on decoded values in the expected file's code scale (0-255 for 8-bit, 0-65535 for 16-bit): \
            max and mean absolute difference, PSNR, SSIM and the number of pixels over --threshold.

            The default tolerance is exact equality. Exit codes: 0 within tolerance, 1 not, 2 bad input \
            (unreadable file, bad option).
            """)

    @Argument(help: "Expected (reference) image or sequence pattern.")
    var expected: String

    @Argument(help: "Actual (new) image or sequence pattern.")
    var actual: String

    @Option(help: ArgumentHelp("Frames to compare: 1001-1048, 1-100x2, 1,5,9.", valueName: "RANGE"))
    var frames: String?

    @Option(name: .customLong("max-diff"), help: "Largest allowed absolute difference of a sample, in code values (default 0 when no other tolerance is given, else no limit).")
    var maxDiff: Double?

    @Option(name: .customLong("min-psnr"), help: ArgumentHelp("Smallest allowed PSNR per frame.", valueName: "DB"))
    var minPSNR: Double?

    @Option(name: .customLong("min-ssim"), help: ArgumentHelp("Smallest allowed SSIM per frame (0-1).", valueName: "S"))
    var minSSIM: Double?

    @Option(name: .customLong("max-bad-pixels"), help: ArgumentHelp("Largest allowed number of pixels over --threshold per frame.", valueName: "N"))
    var maxBadPixels: Int?

    @Option(help: "A pixel is bad when some channel differs by more than this (code values, default 0).")
    var threshold: Double = 0

    @Option(help: ArgumentHelp("Write a machine-readable report (schema rackfocus.compare/1).", valueName: "FILE"))
    var json: String?

    @Option(help: ArgumentHelp("Write a difference heatmap per differing frame (file or pattern, .png).", valueName: "PATTERN"))
    var diff: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report (expected, actual, heatmap; worst frames first).", valueName: "FILE"))
    var report: String?

    @Flag(help: "Print only the summary line.")
    var quiet = false

    func validate() throws {
        guard (maxDiff ?? 0) >= 0, threshold >= 0 else { throw ValidationError("--max-diff and --threshold must be 0 or more") }
        if let minSSIM, !(minSSIM >= -1 && minSSIM <= 1) { throw ValidationError("--min-ssim must be between -1 and 1") }
        if let maxBadPixels, maxBadPixels < 0 { throw ValidationError("--max-bad-pixels must be 0 or more") }
    }

    /// Frames of the HTML report that get pictures (the worst ones), to keep the page small.
    static let reportPictures = 12

    func run() throws {
        // Exact equality unless some tolerance is given.
        let anyTolerance = minPSNR != nil || minSSIM != nil || maxBadPixels != nil
        let tolerances = Tolerances(maxDiff: maxDiff ?? (anyTolerance ? .infinity : 0), minPSNR: minPSNR, minSSIM: minSSIM, maxBadPixels: maxBadPixels, threshold: threshold)
        let left: SequencePattern, right: SequencePattern
        var diffPattern: SequencePattern?
        do {
            left = try SequencePattern(expected)
            right = try SequencePattern(actual)
            if let diff { diffPattern = try SequencePattern(diff) }
        } catch { throw ValidationError(error.description) }

        // Which frames: nil = two single files.
        var frameList: [Int?] = [nil]
        var missingInExpected: [Int] = [], missingInActual: [Int] = []
        if !left.isStill || !right.isStill {
            var wanted: [Int]
            if let frames {
                do { wanted = try FrameRange(parsing: frames).frames } catch { throw ValidationError(error.description) }
            } else {
                wanted = FrameRange(frames: left.framesOnDisk() + right.framesOnDisk()).frames
                if wanted.isEmpty { throw ImageFileError(path: expected, kind: .notFound, message: "no frames found on either side") }
            }
            missingInExpected = left.isStill ? [] : wanted.filter { !FileSystem.exists(left.path(for: $0)) }
            missingInActual = right.isStill ? [] : wanted.filter { !FileSystem.exists(right.path(for: $0)) }
            if left.isStill && !FileSystem.exists(left.text) { missingInExpected = wanted }
            if right.isStill && !FileSystem.exists(right.text) { missingInActual = wanted }
            let missing = Set(missingInExpected + missingInActual)
            frameList = wanted.filter { !missing.contains($0) }
        }

        var results: [FrameResult] = []
        var pictures: [(index: Int, expected: RasterImage, actual: RasterImage, heatmap: Heatmap?)] = []
        for frame in frameList {
            let expectedPath = frame.map(left.path) ?? left.text
            let actualPath = frame.map(right.path) ?? right.text
            let a = try ImageFile.read(expectedPath)
            let b = try ImageFile.read(actualPath)
            var heatmap = Heatmap(width: a.width, height: a.height)
            do {
                let d = try FrameDifference(expected: a, actual: b, threshold: threshold) { x, y, v in
                    heatmap.set(x: x, y: y, difference: v)
                }
                let problem = tolerances.check(d)
                results.append(FrameResult(frame: frame, expected: expectedPath, actual: actualPath, difference: d,
                                           passed: problem == nil, problem: problem))
                if !d.identical, let diffPattern {
                    let path = frame.map(diffPattern.path) ?? diffPattern.text
                    try ImageFile.write(heatmap.raster(), to: path)
                }
                pictures.append((results.count - 1, a, b, d.identical ? nil : heatmap))
            } catch let mismatch as FrameDifference.Mismatch {
                results.append(FrameResult(frame: frame, expected: expectedPath, actual: actualPath, difference: nil,
                                           passed: false, problem: mismatch.description))
            }
        }

        let outcome = ComparisonReport(expected: expected, actual: actual, tolerances: tolerances, frames: results,
                                       missingInExpected: missingInExpected, missingInActual: missingInActual)
        if let json {
            try FileSystem.writeAtomically(Array(try outcome.json()), to: json)
        }
        if let report {
            let worst = Set(outcome.framesWorstFirst.prefix(Self.reportPictures).compactMap { r in results.firstIndex { $0.expected == r.expected && $0.actual == r.actual } })
            var images: [Int: (expected: [UInt8], actual: [UInt8], heatmap: [UInt8]?)] = [:]
            for p in pictures where worst.contains(p.index) {
                images[p.index] = (try Self.displayPNG(p.expected), try Self.displayPNG(p.actual), try p.heatmap.map { try PNGCodec.encode($0.raster()) })
            }
            try FileSystem.writeAtomically(Array(outcome.html(images: images).utf8), to: report)
        }
        printOutcome(outcome)
        if !outcome.passed { throw ExitCode(1) }
    }

    /// 8-bit PNG bytes for showing a frame in the report (16-bit scaled, float sRGB-encoded).
    static func displayPNG(_ image: RasterImage) throws -> [UInt8] {
        let planar = image.planar(transfer: .linear)
        return try PNGCodec.encode(planar.raster(format: .uint8, transfer: image.isFloat ? .sRGB : .linear))
    }

    func printOutcome(_ outcome: ComparisonReport) {
        if !quiet {
            if !outcome.missingInExpected.isEmpty {
                print("missing in expected (\(expected)): \(FrameRange.compact(outcome.missingInExpected))")
            }
            if !outcome.missingInActual.isEmpty {
                print("missing in actual (\(actual)): \(FrameRange.compact(outcome.missingInActual))")
            }
            let shown = standardOutputIsTerminal ? Array(outcome.framesWorstFirst.prefix(10)) : outcome.framesWorstFirst.filter { !$0.passed }
            if standardOutputIsTerminal && !shown.isEmpty {
                print(String(repeating: " ", count: 2) + "frame      max diff   mean diff   PSNR dB     SSIM   bad px  result")
            }
            for f in shown {
                let name = f.frame.map(String.init) ?? (f.actual as NSString).lastPathComponent
                let cells = [
                    name.padding(toLength: max(9, name.count), withPad: " ", startingAt: 0),
                    (f.maxAbsDiff.map { String(format: "%.3f", $0) } ?? "-").leftPadded(10),
                    (f.meanAbsDiff.map { String(format: "%.4f", $0) } ?? "-").leftPadded(11),
                    (f.maxAbsDiff == nil ? "-" : f.psnr.map { String(format: "%.2f", $0) } ?? "inf").leftPadded(9),
                    (f.ssim.map { String(format: "%.5f", $0) } ?? "-").leftPadded(9),
                    (f.badPixels.map(String.init) ?? "-").leftPadded(8),
                ]
                print("  " + cells.joined(separator: " ") + "  " + (f.passed ? "pass" : "FAIL: \(f.problem ?? "")"))
            }
        }
        print(outcome.summaryLine)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
