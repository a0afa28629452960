import Foundation
import RackFocusIO

/// Render farms: a shot's frames cut into chunks for a scheduler's tasks, the job descriptions
/// that run `rackfocus render` on each chunk (a Slurm job array, an OpenJD template), and the
/// check that the finished sequence is complete. Every task renders a frame subset, which is
/// bit-identical to the same frames of a full render, with --skip-existing (a retried or
/// resubmitted task keeps the frames it finished) and atomic writes (a cancelled task leaves no
/// partial file).
public enum Farm {
    /// The shot's frames in contiguous chunks (in frame order) of at most `size` frames, each as
    /// range text `--frames` reads (`1001-1008`, `1-15:2`).
    public static func chunks(_ frames: [Int], size: Int) -> [String] {
        stride(from: 0, to: frames.count, by: max(1, size)).map { FrameRange.text(Array(frames[$0..<min(frames.count, $0 + size)])) }
    }

    /// The shot as a self-contained file for a node: every path absolute (relative ones are taken
    /// from `folder`, the submitting user's working folder), frames and threads left to the task.
    public static func portableShot(_ shot: Shot, relativeTo folder: String) throws -> String {
        var portable = shot
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : Shot.standardized(folder + "/" + path) }
        portable.rgb = shot.rgb.map(absolute)
        portable.depth = shot.depth.map(absolute)
        portable.output = shot.output.map(absolute)
        portable.plates = shot.plates.map { plate in
            var p = plate
            p.image = absolute(plate.image)
            if case .map(let file) = plate.depth { p.depth = .map(absolute(file)) }
            return p
        }
        portable.frames = nil
        portable.threads = Shot().threads
        portable.skipExisting = false
        portable.quiet = false
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(portable), as: UTF8.self)
    }

    /// Quotes a word for bash.
    public static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// What is wrong with a rendered sequence: output frames that are missing or do not decode.
    public struct Check: Sendable {
        public let output: String
        public let frames: [Int]
        public let missing: [Int]
        public let unreadable: [Int]
        public var complete: Bool { missing.isEmpty && unreadable.isEmpty }

        /// One line: `missing 1010, 1017-1019; unreadable 1012`, or what was found complete.
        public var summary: String {
            if complete { return "complete: \(frames.count) of \(frames.count) frames of \(output) exist and decode" }
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(FrameRange.compact(missing))") }
            if !unreadable.isEmpty { parts.append("unreadable \(FrameRange.compact(unreadable))") }
            return parts.joined(separator: "; ") + " (of \(frames.count) frames of \(output))"
        }
    }

    /// Every output frame of `job` exists and decodes.
    public static func check(_ job: FrameJob) throws -> Check {
        guard let output = job.output else { throw ShotError("give --output (or a shot file with \"output\")") }
        var missing: [Int] = [], unreadable: [Int] = []
        for frame in job.frames {
            let path = output.path(for: frame)
            guard FileSystem.exists(path) else { missing.append(frame); continue }
            do { _ = try ImageFile.read(path) } catch { unreadable.append(frame) }
        }
        return Check(output: output.text, frames: job.frames, missing: missing, unreadable: unreadable)
    }
}
