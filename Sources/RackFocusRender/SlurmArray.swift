import Foundation
import RackFocusVideo

/// A Slurm job array that renders a shot in chunks, and the job that checks the sequence after it.
///
/// Lessons from running it on a real cluster: the array index is a chunk number, never a frame
/// number (MaxArraySize defaults to 1001, and VFX frames start at 1001); the renderer gets the
/// task's SIGTERM (scancel, a time limit), so it deletes its partial file; exit 2 (bad input) is
/// not retried, exit 1 is, a bounded number of times inside the task (--skip-existing keeps what
/// was finished; `scontrol requeue` would hold the task 120 s); the check job runs `afterany`
/// (`afterok` would never run once a task failed, which is when it matters).
public struct SlurmArray: Sendable {
    /// The job name (`%x` in log names).
    public var name: String
    /// Frame ranges, one per array task.
    public var chunks: [String]
    /// The shot file's contents, every path absolute (`Farm.portableShot`).
    public var shot: String
    /// The rackfocus executable, absolute.
    public var rackfocus: String
    /// Folder of the task logs, absolute (`%x.%A_%a.log`).
    public var logFolder: String
    public var cpusPerTask: Int = 2
    /// Most tasks running at once (`%K` on --array).
    public var maxRunning: Int?
    public var partition: String?
    /// Times a chunk that failed with exit code 1 is run again within its task.
    public var retries: Int = 1

    public init(name: String, chunks: [String], shot: String, rackfocus: String, logFolder: String) {
        self.name = name
        self.chunks = chunks
        self.shot = shot
        self.rackfocus = rackfocus
        self.logFolder = logFolder
    }

    /// Writes the embedded shot to a temporary file that is removed when the script ends.
    var shotFile: String {
        """
        shot="$(mktemp --suffix=.json "${TMPDIR:-/tmp}/rackfocus-shot.XXXXXX")"
        trap 'rm -f "$shot"' EXIT
        cat > "$shot" <<'RACKFOCUS_SHOT'
        \(shot)
        RACKFOCUS_SHOT
        """
    }

    /// The array's sbatch script.
    public var script: String {
        var directives = ["--job-name=\(name)", "--array=0-\(chunks.count - 1)" + (maxRunning.map { "%\($0)" } ?? ""),
                          "--cpus-per-task=\(cpusPerTask)", "--output=\(logFolder)/%x.%A_%a.log"]
        if let partition { directives.append("--partition=\(partition)") }
        return """
            #!/bin/bash
            \(directives.map { "#SBATCH \($0)" }.joined(separator: "\n"))
            # RackFocus: \(chunks.count) chunk\(chunks.count == 1 ? "" : "s"); the array index is the chunk number.
            # Exit codes: 0 done, 2 bad input (not retried), 1 render failed (run again up to \(retries) time\(retries == 1 ? "" : "s")).
            set -u
            chunks=(\(chunks.map(Farm.quoted).joined(separator: " ")))
            frames="${chunks[$SLURM_ARRAY_TASK_ID]}"
            \(shotFile)
            attempt=0
            while :; do
              # In the background and waited for, so that this shell can hand SIGTERM (scancel, the
              # time limit) to the renderer, which then removes the frame it was writing.
              \(Farm.quoted(rackfocus)) render "$shot" --frames "$frames" --skip-existing --threads "${SLURM_CPUS_PER_TASK:-0}" &
              child=$!
              trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM INT
              wait "$child"
              status=$?
              trap - TERM INT
              if [ "$status" -ne 1 ] || [ "$attempt" -ge \(retries) ]; then exit "$status"; fi
              attempt=$((attempt + 1))
              echo "rackfocus: chunk $frames failed (exit 1); attempt $((attempt + 1)) of \(retries + 1)" >&2
            done

            """
    }

    /// The job that runs after the array (`--dependency=afterany:ARRAY`) and says whether the
    /// sequence is complete: its log holds `farm check`'s line, its exit code is 0 or 1.
    public var checkScript: String {
        """
        #!/bin/bash
        #SBATCH --job-name=\(name)-check
        #SBATCH --cpus-per-task=1
        #SBATCH --output=\(logFolder)/%x.%j.log
        \(partition.map { "#SBATCH --partition=\($0)\n" } ?? "")set -u
        \(shotFile)
        \(Farm.quoted(rackfocus)) farm check "$shot"

        """
    }

    /// Submits a script with `sbatch --parsable` (the script on its standard input); the job id.
    /// Standard error is drained on its own thread while standard output is read here, so neither
    /// pipe can fill and stall sbatch.
    public static func submit(_ script: String, arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable"] + arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw RenderFailure(description: "cannot run sbatch: \(error)") }
        let drain = ErrorDrain(errors)
        input.fileHandleForWriting.write(Data(script.utf8))
        try? input.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = drain.text()
        guard process.terminationStatus == 0 else {
            if process.terminationStatus == 127 { throw RenderFailure(description: "sbatch not found: install Slurm's client (Debian: slurm-client)") }
            throw RenderFailure(description: "sbatch failed (exit \(process.terminationStatus)): \(message.split(separator: "\n").first ?? "")")
        }
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        let text = String(decoding: outputData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = text.split(separator: ";").first, Int(id) != nil else {
            throw RenderFailure(description: "sbatch printed no job id: \(text)")
        }
        return String(id)
    }
}
