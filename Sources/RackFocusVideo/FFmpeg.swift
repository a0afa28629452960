import Foundation
import RackFocusIO

/// The `ffmpeg` and `ffprobe` executables (Debian package `ffmpeg`), run as child processes: no
/// libav* linked in, ffmpeg's own messages, and the licence boundary of separate programs.
public enum FFmpeg {
    /// File extensions read and written as movies.
    public static let movieExtensions: Set<String> = ["mov", "mp4", "m4v", "mkv", "avi", "mxf", "webm"]

    public static func isMovie(_ path: String) -> Bool {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return false }
        return movieExtensions.contains(path[path.index(after: dot)...].lowercased())
    }

    /// The absolute path of a tool on PATH, or an error that says how to install it.
    public static func tool(_ name: String) throws(ImageFileError) -> String {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ImageFileError(path: name, kind: .notFound, message: "not found on PATH: video needs FFmpeg (Debian: apt-get install ffmpeg)")
    }

    /// Runs a tool to its end; its standard output and error.
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: Data, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let drained = ErrorDrain(errors)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data, drained.text())
    }
}

/// Reads a child's standard error on its own thread (a child blocks once the pipe is full, while
/// its standard output is read elsewhere) and keeps its last lines for messages. Used for ffmpeg,
/// ffprobe and sbatch.
public final class ErrorDrain: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                if data.count > 65536 { data = data.suffix(32768) }
                lock.unlock()
            }
            done.signal()
        }
    }

    /// Everything read, once the child has closed its end.
    public func text() -> String {
        done.wait()
        done.signal()
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The last non-empty line (ffmpeg's error).
    public func lastLine() -> String {
        text().split(separator: "\n").last.map(String.init) ?? ""
    }
}
