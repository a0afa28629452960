import Foundation
import RackFocusCore

/// What counts as "the same". The default is exact equality.
public struct Tolerances: Codable, Sendable, Equatable {
    /// Largest allowed absolute difference of any sample (code values); infinity = no limit
    /// (written to JSON as null).
    public var maxDiff: Double = 0
    /// Smallest allowed PSNR (dB), if any.
    public var minPSNR: Double?
    /// Smallest allowed SSIM, if any.
    public var minSSIM: Double?
    /// Largest allowed number of pixels over `threshold`, if any.
    public var maxBadPixels: Int?
    /// A pixel is "bad" when some channel differs by more than this (code values).
    public var threshold: Double = 0

    enum CodingKeys: String, CodingKey { case maxDiff, minPSNR = "minPsnr", minSSIM = "minSsim", maxBadPixels, threshold }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(maxDiff.isFinite ? maxDiff : nil, forKey: .maxDiff)
        try c.encode(minPSNR, forKey: .minPSNR)
        try c.encode(minSSIM, forKey: .minSSIM)
        try c.encode(maxBadPixels, forKey: .maxBadPixels)
        try c.encode(threshold, forKey: .threshold)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxDiff = try c.decodeIfPresent(Double.self, forKey: .maxDiff) ?? .infinity
        minPSNR = try c.decodeIfPresent(Double.self, forKey: .minPSNR)
        minSSIM = try c.decodeIfPresent(Double.self, forKey: .minSSIM)
        maxBadPixels = try c.decodeIfPresent(Int.self, forKey: .maxBadPixels)
        threshold = try c.decode(Double.self, forKey: .threshold)
    }

    public init(maxDiff: Double = 0, minPSNR: Double? = nil, minSSIM: Double? = nil, maxBadPixels: Int? = nil, threshold: Double = 0) {
        self.maxDiff = maxDiff
        self.minPSNR = minPSNR
        self.minSSIM = minSSIM
        self.maxBadPixels = maxBadPixels
        self.threshold = threshold
    }

    /// Whether a frame difference is within these tolerances, and if not, the first reason.
    public func check(_ d: FrameDifference) -> String? {
        if d.maxAbsolute > maxDiff { return "max difference \(format(d.maxAbsolute)) > \(format(maxDiff))" }
        if let minPSNR, d.psnr < minPSNR { return "PSNR \(format(d.psnr)) dB < \(format(minPSNR))" }
        if let minSSIM, d.ssim < minSSIM { return "SSIM \(String(format: "%.5f", d.ssim)) < \(minSSIM)" }
        if let maxBadPixels, d.pixelsOver > maxBadPixels { return "\(d.pixelsOver) pixels over \(format(threshold)) > \(maxBadPixels)" }
        return nil
    }
}

func format(_ value: Double) -> String {
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded() && abs(value) < 1e12 { return String(Int(value)) }
    return format(value, decimals: 3)
}

/// Fixed decimals; "inf", "-inf" and "nan" spelled out.
func format(_ value: Double, decimals: Int) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return String(format: "%.\(decimals)f", value)
}

/// One compared frame, as written to JSON.
public struct FrameResult: Codable, Sendable {
    /// Frame number (nil when two single files were compared).
    public var frame: Int?
    public var expected: String
    public var actual: String
    public var width: Int?
    public var height: Int?
    public var channels: Int?
    public var bitDepth: Int?
    public var maxAbsDiff: Double?
    public var meanAbsDiff: Double?
    /// nil when the frames are identical (infinite PSNR); "-inf" when a difference is infinite.
    public var psnr: Double?
    public var ssim: Double?
    public var badPixels: Int?
    public var worstPixel: [Int]?
    public var passed: Bool
    /// Why the frame failed (a tolerance, a size mismatch, a missing or unreadable file).
    public var problem: String?

    public init(frame: Int?, expected: String, actual: String, difference: FrameDifference?, passed: Bool, problem: String?) {
        self.frame = frame
        self.expected = expected
        self.actual = actual
        self.passed = passed
        self.problem = problem
        guard let d = difference else { return }
        width = d.width; height = d.height; channels = d.channels; bitDepth = d.bitDepth
        maxAbsDiff = d.maxAbsolute; meanAbsDiff = d.meanAbsolute
        psnr = d.psnr == .infinity ? nil : d.psnr
        ssim = d.ssim; badPixels = d.pixelsOver
        worstPixel = [d.worstPixel.x, d.worstPixel.y]
    }

    /// Sorting key: larger is worse.
    var badness: Double {
        if problem != nil && maxAbsDiff == nil { return .infinity }
        return (passed ? 0 : 1e12) + (maxAbsDiff ?? 0) * 1000 + (meanAbsDiff ?? 0)
    }
}

/// The whole comparison, as written by `--json` (schema "rackfocus.compare/1").
public struct ComparisonReport: Codable, Sendable {
    public var schema = "rackfocus.compare/1"
    public var expected: String
    public var actual: String
    public var tolerances: Tolerances
    public var passed: Bool
    public var summary: Summary
    /// Frames present on one side only.
    public var missingInExpected: [Int]
    public var missingInActual: [Int]
    public var frames: [FrameResult]

    public struct Summary: Codable, Sendable {
        public var frames: Int
        public var failed: Int
        public var maxAbsDiff: Double
        public var meanAbsDiff: Double
        /// Lowest PSNR over the frames (nil when all are identical).
        public var minPsnr: Double?
        public var minSsim: Double
        public var badPixels: Int
        public var worstFrame: Int?
    }

    public init(expected: String, actual: String, tolerances: Tolerances, frames: [FrameResult],
                missingInExpected: [Int], missingInActual: [Int]) {
        self.expected = expected
        self.actual = actual
        self.tolerances = tolerances
        self.frames = frames
        self.missingInExpected = missingInExpected
        self.missingInActual = missingInActual
        let compared = frames.filter { $0.maxAbsDiff != nil }
        let worst = frames.max { $0.badness < $1.badness }
        summary = Summary(
            frames: frames.count,
            failed: frames.filter { !$0.passed }.count,
            maxAbsDiff: compared.map { $0.maxAbsDiff! }.max() ?? 0,
            meanAbsDiff: compared.isEmpty ? 0 : compared.map { $0.meanAbsDiff! }.reduce(0, +) / Double(compared.count),
            minPsnr: compared.compactMap(\.psnr).min(),
            minSsim: compared.compactMap(\.ssim).min() ?? 1,
            badPixels: compared.compactMap(\.badPixels).reduce(0, +),
            worstFrame: worst?.badness ?? 0 > 0 ? worst?.frame : nil)
        passed = summary.failed == 0 && missingInExpected.isEmpty && missingInActual.isEmpty
    }

    /// Non-finite numbers (float files with NaN or infinities differ by "inf", their PSNR is "-inf")
    /// are written as the strings "inf", "-inf" and "nan": JSON has no literal for them.
    public static let nonFiniteStrings = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let strings = Self.nonFiniteStrings
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: strings.positiveInfinity, negativeInfinity: strings.negativeInfinity, nan: strings.nan)
        return try encoder.encode(self)
    }

    /// Reads a report written by `json()`.
    public static func decode(json data: Data) throws -> ComparisonReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let strings = nonFiniteStrings
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: strings.positiveInfinity, negativeInfinity: strings.negativeInfinity, nan: strings.nan)
        return try decoder.decode(ComparisonReport.self, from: data)
    }

    /// Frames worst first.
    public var framesWorstFirst: [FrameResult] { frames.sorted { $0.badness > $1.badness } }

    /// One plain line for logs; a failure ends with the worst frame's reason.
    public var summaryLine: String {
        var line = "compare: \(summary.frames) frame\(summary.frames == 1 ? "" : "s"), \(summary.failed) failed"
        if !missingInExpected.isEmpty { line += ", \(missingInExpected.count) missing in expected" }
        if !missingInActual.isEmpty { line += ", \(missingInActual.count) missing in actual" }
        if frames.contains(where: { $0.maxAbsDiff != nil }) {
            line += "; max diff \(format(summary.maxAbsDiff)), mean \(format(summary.meanAbsDiff, decimals: 4))"
            line += ", min PSNR \(summary.minPsnr.map { format($0, decimals: 2) + " dB" } ?? "inf")"
            line += ", min SSIM \(String(format: "%.5f", summary.minSsim))"
        } else {
            line += "; no frame could be compared"
        }
        if let worst = summary.worstFrame { line += ", worst frame \(worst)" }
        if passed { return line + ": PASS" }
        if let failed = framesWorstFirst.first(where: { !$0.passed }) {
            let name = failed.frame.map { "frame \($0)" } ?? failed.actual
            return line + ": FAIL (\(name): \(failed.problem ?? "failed"))"
        }
        return line + ": FAIL (frames missing)"
    }

    /// A self-contained HTML page: the numbers, then expected / actual / heatmap side by side,
    /// worst frames first. `images` maps a frame's index in `frames` to PNG bytes.
    public func html(images: [Int: (expected: [UInt8], actual: [UInt8], heatmap: [UInt8]?)]) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func image(_ bytes: [UInt8]?, _ caption: String) -> String {
            guard let bytes else { return "<figure><div class=\"none\">identical</div><figcaption>\(caption)</figcaption></figure>" }
            return "<figure><img src=\"data:image/png;base64,\(Data(bytes).base64EncodedString())\" alt=\"\(caption)\"><figcaption>\(caption)</figcaption></figure>"
        }
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>RackFocus compare: \(passed ? "PASS" : "FAIL")</title>
        <style>
        body{font:14px system-ui,sans-serif;margin:24px;background:#fafafa;color:#222}
        h1 .pass{color:#1a7f37} h1 .fail{color:#cf222e}
        table{border-collapse:collapse;margin:12px 0} td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
        th{background:#eee} td.l{text-align:left} tr.fail td{background:#ffebe9}
        .frame{margin:24px 0;padding:12px;background:#fff;border:1px solid #ddd}
        .row{display:flex;gap:12px;flex-wrap:wrap} figure{margin:0} img{max-width:480px;image-rendering:pixelated;border:1px solid #999}
        figcaption{text-align:center;color:#555} .none{width:240px;height:120px;display:flex;align-items:center;justify-content:center;border:1px dashed #999}
        </style></head><body>
        <h1>RackFocus compare: <span class="\(passed ? "pass" : "fail")">\(passed ? "PASS" : "FAIL")</span></h1>
        <p>Expected <code>\(escape(expected))</code><br>Actual <code>\(escape(actual))</code></p>
        <p>\(escape(summaryLine))</p>
        """
        if !missingInExpected.isEmpty || !missingInActual.isEmpty {
            html += "<p class=\"fail\">Missing in expected: \(missingInExpected.map(String.init).joined(separator: ", ")); missing in actual: \(missingInActual.map(String.init).joined(separator: ", "))</p>"
        }
        html += "<table><tr><th>frame</th><th>max diff</th><th>mean diff</th><th>PSNR dB</th><th>SSIM</th><th>bad pixels</th><th>result</th></tr>"
        let ordered = frames.indices.sorted { frames[$0].badness > frames[$1].badness }
        for i in ordered {
            let f = frames[i]
            html += "<tr class=\"\(f.passed ? "ok" : "fail")\"><td class=\"l\"><a href=\"#f\(i)\">\(f.frame.map(String.init) ?? escape(f.actual))</a></td>"
            html += "<td>\(f.maxAbsDiff.map(format) ?? "-")</td><td>\(f.meanAbsDiff.map { String(format: "%.4f", $0) } ?? "-")</td>"
            html += "<td>\(f.maxAbsDiff == nil ? "-" : (f.psnr.map { String(format: "%.2f", $0) } ?? "inf"))</td>"
            html += "<td>\(f.ssim.map { String(format: "%.5f", $0) } ?? "-")</td><td>\(f.badPixels.map(String.init) ?? "-")</td>"
            html += "<td class=\"l\">\(f.passed ? "pass" : "FAIL: " + escape(f.problem ?? ""))</td></tr>"
        }
        html += "</table>"
        for i in ordered {
            guard let pictures = images[i] else { continue }
            let f = frames[i]
            html += "<div class=\"frame\" id=\"f\(i)\"><h2>\(f.frame.map { "Frame \($0)" } ?? escape(f.actual)) — \(f.passed ? "pass" : "FAIL")</h2><div class=\"row\">"
            html += image(pictures.expected, "expected") + image(pictures.actual, "actual") + image(pictures.heatmap, "difference")
            html += "</div></div>"
        }
        return html + "</body></html>\n"
    }
}
