import Foundation

/// Runs a program to its end and collects what it printed. Both pipes are drained at the same
/// time: reading standard output to its end first deadlocks once the child has filled the
/// standard-error pipe (64 KiB) and blocks writing to it.
enum ChildProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// - Parameter environment: variables to set or replace for the child.
    static func run(_ executable: String, _ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errorText = Collected()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorText.data = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errorText.data, as: UTF8.self))
    }

    /// Bytes handed from the draining thread (ordered by the semaphore).
    final class Collected: @unchecked Sendable {
        var data = Data()
    }
}
