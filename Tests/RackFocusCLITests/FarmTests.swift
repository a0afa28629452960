import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// `farm check`, `farm openjd` and `farm slurm` without a scheduler: what they write and refuse.
@Suite(.serialized) struct FarmTests {
    typealias CLI = CLITests

    @Test func checkNamesMissingAndUnreadableFramesCompactly() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let shot = ["Fixtures/demo/shot.json", "--frames", "1001-1006", "--output", folder + "/c.%04d.png"]
        #expect(try CLI.run(["render"] + shot + ["--quiet"]).status == 0)
        let complete = try CLI.run(["farm", "check"] + shot)
        #expect(complete.status == 0 && complete.stdout == "farm check: complete: 6 of 6 frames of \(folder)/c.%04d.png exist and decode\n")
        try FileManager.default.removeItem(atPath: folder + "/c.1002.png")
        try FileManager.default.removeItem(atPath: folder + "/c.1003.png")
        try FileSystem.writeAtomically([0x89, 0x50, 0x4E, 0x47], to: folder + "/c.1006.png")
        let broken = try CLI.run(["farm", "check"] + shot)
        #expect(broken.status == 1)
        #expect(broken.stderr == "farm check: missing 1002-1003; unreadable 1006 (of 6 frames of \(folder)/c.%04d.png)\n", "\(broken.stderr)")
    }

    @Test func slurmScriptChunksByIndexWithAbsolutePaths() throws {
        let result = try CLI.run(["farm", "slurm", "Fixtures/demo/shot.json", "--frames", "1001-1020", "--chunk", "8", "--max-running", "2",
                                  "--partition", "gpu", "--cpus-per-task", "4", "--output", "/tmp/farm-never/demo.%04d.png"])
        #expect(result.status == 0, "\(result.stderr)")
        let script = result.stdout
        #expect(script.hasPrefix("#!/bin/bash\n#SBATCH --job-name=rackfocus-demo\n#SBATCH --array=0-2%2\n#SBATCH --cpus-per-task=4\n#SBATCH --output=/tmp/farm-never/logs/%x.%A_%a.log\n#SBATCH --partition=gpu\n"), "\(script)")
        #expect(script.contains("chunks=('1001-1008' '1009-1016' '1017-1020')"))
        #expect(script.contains("\"rgb\" : \"\(CLI.packageRoot)/Fixtures/demo/rgb.%04d.png\""))
        #expect(script.contains("render \"$shot\" --frames \"$frames\" --skip-existing --threads \"${SLURM_CPUS_PER_TASK:-0}\""))
        #expect(FileManager.default.fileExists(atPath: "/tmp/farm-never/logs"))
        try? FileManager.default.removeItem(atPath: "/tmp/farm-never")
        // The script is valid bash.
        let syntax = try ChildProcess.run("/bin/bash", ["-n", "-c", script], in: CLI.packageRoot)
        #expect(syntax.status == 0, "\(syntax.stderr)")
        let bad = try CLI.run(["farm", "slurm", "Fixtures/demo/shot.json", "--chunk", "0"])
        #expect(bad.status == 2 && bad.stderr.contains("--chunk must be at least 1"))
    }
}

/// The OpenJD template checked and run by the Open Job Description project's own CLI (PyPI
/// openjd-cli, which CI installs): chunks of at most 2 frames, the same bytes as one render.
@Suite(.serialized) struct OpenJDTests {
    typealias CLI = CLITests

    static var openjd: String? {
        let found = try? ChildProcess.run("/bin/bash", ["-c", "command -v openjd"], in: "/")
        return found?.status == 0 ? found?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    @Test func templatePassesOpenJDCheckAndRunRendersTheSameFrames() throws {
        guard let openjd = Self.openjd else {
            Issue.record("openjd-cli is needed: python3 -m pip install openjd-cli (.ci/run installs it)")
            return
        }
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let shot = ["Fixtures/demo/shot.json", "--frames", "1010-1014", "--output", folder + "/openjd/demo.%04d.png"]
        let made = try CLI.run(["farm", "openjd"] + shot + ["--chunk", "2", "--template", folder + "/job.yaml"])
        #expect(made.status == 0, "\(made.stderr)")
        let yaml = try String(contentsOfFile: folder + "/job.yaml", encoding: .utf8)
        #expect(yaml.contains("- TASK_CHUNKING") && yaml.contains("type: CHUNK[INT]") && yaml.contains("default: \"1010-1014\""))
        let check = try ChildProcess.run(openjd, ["check", folder + "/job.yaml"], in: folder)
        #expect(check.status == 0 && check.stdout.contains("passes validation checks"), "\(check.stdout)\(check.stderr)")
        let run = try ChildProcess.run(openjd, ["run", folder + "/job.yaml", "--step", "Render"], in: folder)
        #expect(run.status == 0, "\(run.stdout.suffix(2000))\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("Chunks run: 3"), "\(run.stdout.suffix(600))")
        let local = try CLI.run(["render"] + shot.dropLast() + [folder + "/local/demo.%04d.png", "--quiet"])
        #expect(local.status == 0)
        for frame in 1010...1014 {
            #expect(try FileSystem.read("\(folder)/openjd/demo.\(frame).png") == FileSystem.read("\(folder)/local/demo.\(frame).png"), "frame \(frame)")
        }
    }
}

/// The demo shot on a real one-node Slurm cluster (scripts/with-slurm.sh starts it; CI runs the
/// tests under it): submitted in chunks of 8, one task failing once (retried inside the task), a
/// deleted frame found by `farm check` and rendered again by a resubmission, and every frame
/// byte-identical to a render on one machine. Then a cancelled task leaves no partial file.
@Suite(.serialized, .timeLimit(.minutes(8)), .enabled(if: ProcessInfo.processInfo.environment["RACKFOCUS_SLURM_CLUSTER"] != nil, "needs scripts/with-slurm.sh"))
struct SlurmClusterTests {
    typealias CLI = CLITests

    /// Waits until none of `jobs` is queued or running.
    static func waitFor(_ jobs: [String], seconds: Double = 300) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let queue = try ChildProcess.run("/usr/bin/env", ["squeue", "-h", "-j", jobs.joined(separator: ",")], in: CLI.packageRoot)
            if queue.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        Issue.record("jobs \(jobs) still queued after \(seconds) s")
    }

    /// Submits; returns (array job id, check job id).
    static func submit(_ arguments: [String]) throws -> (array: String, check: String) {
        let result = try CLI.run(["farm", "slurm"] + arguments + ["--submit"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let check = lines.first.flatMap { $0.components(separatedBy: "check job ").dropFirst().first?.split(separator: " ").first } ?? ""
        return (String(lines.last ?? ""), String(check))
    }

    @Test func demoShotRendersInChunksWithARetryAndAResubmission() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A node's transient fault: the renderer fails (exit 1) the first time it is given frames 1009-1016.
        let flaky = folder + "/flaky-rackfocus"
        try """
            #!/bin/bash
            if [[ " $* " == *" 1009-1016 "* ]] && mkdir '\(folder)/failed-once' 2>/dev/null; then echo "injected failure" >&2; exit 1; fi
            exec '\(CLI.executable)' "$@"

            """.write(toFile: flaky, atomically: true, encoding: .utf8)
        _ = try ChildProcess.run("/bin/chmod", ["+x", flaky], in: folder)
        let shot = ["Fixtures/demo/shot.json", "--output", folder + "/farm/demo.%04d.png", "--chunk", "8", "--cpus-per-task", "1", "--rackfocus", flaky]

        let first = try Self.submit(shot)
        try Self.waitFor([first.array, first.check])
        let logs = folder + "/farm/logs"
        let retried = try String(contentsOfFile: "\(logs)/rackfocus-demo.\(first.array)_1.log", encoding: .utf8)
        #expect(retried.contains("injected failure") && retried.contains("rackfocus: chunk 1009-1016 failed (exit 1); attempt 2 of 2"), "\(retried)")
        let checkLog = try String(contentsOfFile: "\(logs)/rackfocus-demo-check.\(first.check).log", encoding: .utf8)
        #expect(checkLog.contains("farm check: complete: 24 of 24 frames"), "\(checkLog)")

        // One machine, the same shot: every frame byte-identical.
        let local = try CLI.run(["render", "Fixtures/demo/shot.json", "--output", folder + "/local/demo.%04d.png", "--quiet"])
        #expect(local.status == 0)
        for frame in 1001...1024 {
            #expect(try FileSystem.read("\(folder)/farm/demo.\(frame).png") == FileSystem.read("\(folder)/local/demo.\(frame).png"), "frame \(frame)")
        }

        // A lost frame: farm check names it; resubmitting renders only it (the others are skipped).
        try FileManager.default.removeItem(atPath: folder + "/farm/demo.1017.png")
        let check = try CLI.run(["farm", "check", "Fixtures/demo/shot.json", "--output", folder + "/farm/demo.%04d.png"])
        #expect(check.status == 1 && check.stderr.contains("missing 1017"), "\(check.stderr)")
        let second = try Self.submit(shot)
        try Self.waitFor([second.array, second.check])
        let resumed = try String(contentsOfFile: "\(logs)/rackfocus-demo.\(second.array)_2.log", encoding: .utf8)
        #expect(resumed.contains("rendered 1 frame") && resumed.contains("skipped 7 existing"), "\(resumed)")
        #expect(try FileSystem.read("\(folder)/farm/demo.1017.png") == FileSystem.read("\(folder)/local/demo.1017.png"))
        #expect(try CLI.run(["farm", "check", "Fixtures/demo/shot.json", "--output", folder + "/farm/demo.%04d.png"]).status == 0)
    }

    /// scancel while a task renders: the renderer gets SIGTERM, removes the frame it was writing,
    /// and the finished frames stay whole.
    @Test func cancelledTaskLeavesNoPartialFile() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let long = ["Fixtures/demo/shot.json", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png",
                    "--frames", "1-100000", "--chunk", "100000", "--cpus-per-task", "1", "--output", folder + "/c/still.%06d.png"]
        let job = try Self.submit(long)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && !FileManager.default.fileExists(atPath: folder + "/c/still.000002.png") { Thread.sleep(forTimeInterval: 0.1) }
        _ = try ChildProcess.run("/usr/bin/env", ["scancel", job.array], in: folder)
        try Self.waitFor([job.array, job.check])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/c").filter { $0 != "logs" }
        #expect(files.count >= 2 && files.count < 100_000)
        #expect(!files.contains { $0.contains("rftmp") }, "partial files: \(files.filter { $0.contains("rftmp") })")
        for file in files { #expect(throws: Never.self) { _ = try ImageFile.read(folder + "/c/" + file) } }
        let log = try String(contentsOfFile: "\(folder)/c/logs/rackfocus-still.\(job.array)_0.log", encoding: .utf8)
        #expect(log.contains("interrupted: no partial file left"), "\(log)")
    }
}
